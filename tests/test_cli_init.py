"""`init` writes only inside its folder: a file, a dangling link or a link inside pointing elsewhere is a
located error, or (`--force`) is replaced itself, never written through; `--force` lists what it replaced."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from crossfence.cli import app

runner = CliRunner()


def _run(*args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def test_init_onto_a_file(tmp_path: Path) -> None:
    target = tmp_path / "estate"
    target.write_text("mine", encoding="utf-8")
    result = _run("init", target)
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"error: {target}: is a file (expected a folder to write the example into, or nothing)"
    )
    assert target.read_text(encoding="utf-8") == "mine"


def test_init_onto_a_dangling_link(tmp_path: Path) -> None:
    target = tmp_path / "estate"
    target.symlink_to(tmp_path / "gone")
    result = _run("init", target, "--force")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"error: {target}: is a link to {tmp_path / 'gone'}, which does not exist "
        "(expected a folder, or nothing)"
    )
    assert not (tmp_path / "gone").exists()


def test_force_replaces_links_inside_and_never_writes_through_them(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "estate.yaml").write_text("precious", encoding="utf-8")
    target = tmp_path / "estate"
    target.mkdir()
    (target / "estate.yaml").symlink_to(outside / "estate.yaml")
    (target / "variants").symlink_to(outside)
    (target / "notes.md").write_text("mine", encoding="utf-8")
    refused = _run("init", target)
    assert refused.exit_code == 2 and "is not empty" in refused.stderr
    result = _run("init", target, "--force")
    assert result.exit_code == 0, result.output
    # nothing outside changed, not even a new file
    assert [p.name for p in outside.iterdir()] == ["estate.yaml"]
    assert (outside / "estate.yaml").read_text(encoding="utf-8") == "precious"
    # the links themselves are gone, the example is in their place
    assert not (target / "estate.yaml").is_symlink() and (target / "estate.yaml").is_file()
    assert not (target / "variants").is_symlink() and (target / "variants" / "edge-open").is_dir()
    assert (target / "notes.md").read_text(encoding="utf-8") == "mine"
    lines = result.stdout.splitlines()
    assert (
        f"replaced {target / 'estate.yaml'}, which was a link to {outside / 'estate.yaml'}" in lines
    )
    assert f"replaced {target / 'variants'}, which was a link to {outside}" in lines
    assert _run("validate", "-q", target).exit_code == 0


def test_force_lists_the_files_it_replaced(tmp_path: Path) -> None:
    assert _run("init", tmp_path).exit_code == 0
    (tmp_path / "edge.yaml").write_text("changed", encoding="utf-8")
    result = _run("init", tmp_path, "--force")
    assert result.exit_code == 0
    replaced = [line for line in result.stdout.splitlines() if line.startswith("replaced ")]
    assert f"replaced {tmp_path / 'edge.yaml'}" in replaced
    assert len(replaced) == result.stdout.count("replaced ") > 100  # every file of the example
    assert _run("init", tmp_path, "--force", "--quiet").stdout == ""


def test_a_folder_where_the_example_has_a_file_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "estate.yaml").mkdir()
    (tmp_path / "estate.yaml" / "mine").write_text("mine", encoding="utf-8")
    result = _run("init", tmp_path, "--force")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"error: {tmp_path / 'estate.yaml'}: is a folder where the example has a file"
    )
    # refused before anything was written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["estate.yaml"]


def test_a_full_disk_during_init_is_a_located_error(tmp_path: Path, monkeypatch: Any) -> None:
    from crossfence.cli import estate

    real = estate._write_example_file
    written: list[Any] = []

    def fill(step: Any) -> None:
        if len(written) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(step.target))
        written.append(step)
        real(step)

    monkeypatch.setattr(estate, "_write_example_file", fill)
    result = _run("init", tmp_path / "estate")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {tmp_path / 'estate'}")
    assert ": cannot write: No space left on device" in result.stderr


@pytest.mark.parametrize("name", ["-o", "--output"])
def test_schema_output_to_a_folder_or_a_missing_folder(tmp_path: Path, name: str) -> None:
    result = _run("schema", name, tmp_path)
    assert result.exit_code == 2
    assert f"error: {tmp_path}: is a folder" in result.stderr
    result = _run("schema", name, tmp_path / "no" / "schema.json")
    assert result.exit_code == 2
    assert f"folder {tmp_path / 'no'} does not exist" in result.stderr


def test_the_modelines_point_at_the_schema_init_writes(tmp_path: Path) -> None:
    """Every `# yaml-language-server: $schema=` line of the written example names a file that
    exists in DIR: the blueprint's schema, as `crossfence schema` prints it (in the repository
    the modelines point at its schema/ folder, which a user's folder does not have)."""
    import re

    target = tmp_path / "estate"
    assert _run("init", target).exit_code == 0
    schema = target / "schema" / "blueprint.json"
    assert schema.read_text(encoding="utf-8") == _run("schema").stdout
    modelines = 0
    for file in target.rglob("*.yaml"):
        for line in file.read_text(encoding="utf-8").splitlines():
            found = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", line)
            if found:
                modelines += 1
                assert (file.parent / found.group(1)).resolve() == schema.resolve(), file
    assert modelines > 10
    assert _run("validate", target, "-q").exit_code == 0


def test_force_lists_the_schema_it_replaced(tmp_path: Path) -> None:
    target = tmp_path / "estate"
    (target / "schema").mkdir(parents=True)
    (target / "schema" / "blueprint.json").write_text("{}", encoding="utf-8")
    assert _run("init", target).exit_code == 2
    result = _run("init", target, "--force")
    assert result.exit_code == 0, result.output
    assert f"replaced {target / 'schema' / 'blueprint.json'}" in " ".join(result.stdout.split())
