"""Terraform files go through the input path every blueprint does: regular files only, size and nesting limits, located errors, exit code 2, never a traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crossfence.cli import app
from crossfence.located.guard import MAX_DEPTH
from crossfence.terraform import detect

from .plans import R, plan, write
from .test_read import estate

runner = CliRunner()


def _fails_located(args: list[str], *expected: str) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for text in expected:
        assert text in result.output, result.output
    return result.output


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_given_as_path_is_refused_not_read(tmp_path: Path) -> None:
    """Reading a FIFO blocks until a writer comes: it is refused, never opened for reading."""
    fifo = tmp_path / "plan.json"
    os.mkfifo(fifo)
    _fails_located(["validate", str(fifo)], f"{fifo}", "a named pipe (FIFO) is not read")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_in_a_folder_of_plans_is_skipped_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path / "plan.json", plan(estate()))
    os.mkfifo(tmp_path / "pipe.json")
    result = runner.invoke(app, ["validate", str(tmp_path), "-q"])
    assert result.exit_code == 0, result.output
    assert "pipe.json: a named pipe (FIFO) is not read; skipped" in result.output


def test_a_file_over_the_limit_is_refused_with_its_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "plan.json", plan(estate()))
    monkeypatch.setattr(detect, "MAX_TERRAFORM_BYTES", 1024)
    _fails_located(["validate", str(path)], "plan.json: the file is", "expected at most 0.0009")


def test_values_nested_too_deep_are_refused(tmp_path: Path) -> None:
    """No provider writes values 100 levels deep; what reads them would recurse past the stack."""
    deep: object = "x"
    for _ in range(MAX_DEPTH + 5):
        deep = {"a": deep}
    resources = estate()
    resources[2].values["metadata"] = deep
    path = write(tmp_path / "plan.json", plan(resources))
    _fails_located(
        ["validate", str(path)], "plan.json", f"nested more than {MAX_DEPTH} levels deep"
    )


def test_json_nested_past_the_parser_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text('{"format_version": "1.2", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    _fails_located(["validate", str(path)], "plan.json", "levels deep")


def test_unread_type_and_unknown_address_on_the_command_line(tmp_path: Path) -> None:
    """Must-show of issue 14: a warning with the first address of the type not read, and the
    verdict UNKNOWN naming the attribute known after apply (exit 1)."""
    resources = estate()
    web = resources[2]
    web.values["network_interface"][0].pop("network_ip")
    web.unknown = {"network_interface": [{"network_ip": True}]}
    resources.append(R('google_sql_database_instance.db["main"]', {"name": "db"}))
    path = write(tmp_path / "plan.json", plan(resources))
    result = runner.invoke(
        app, ["reach", str(path), "--from", "35.235.240.7", "--to", "web", "-p", "tcp/22"]
    )
    assert result.exit_code == 1, result.output
    assert (
        'google_sql_database_instance not read (first: google_sql_database_instance.db["main"])'
        in result.output
    )
    assert "UNKNOWN 35.235.240.7 → web tcp/22" in result.stdout
    assert 'google_compute_instance.vm["web"].network_interface[0].network_ip' in result.stdout


def test_a_json_manifest_is_not_taken_for_terraform(tmp_path: Path) -> None:
    """Content decides: a Kubernetes object written in JSON is a manifest, never refused as
    foreign Terraform JSON."""
    folder = tmp_path / "cluster"
    folder.mkdir()
    (folder / "ns.json").write_text(
        json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "web"}})
    )
    result = runner.invoke(app, ["validate", str(folder), "-q"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "command",
    [
        ["validate"],
        ["matrix"],
        ["check"],
        ["reach", "--from", "web/frontend-0", "--to", "web/frontend-0"],
    ],
)
def test_an_overlay_on_manifests_is_bad_usage(command: list[str]) -> None:
    """An overlay completes a blueprint or a plan: on a folder of manifests it would be ignored."""
    from .test_example import EXAMPLE, OVERLAY

    manifests = EXAMPLE / "manifests" / "gke-prod"
    _fails_located(
        [command[0], str(manifests), *command[1:], "--overlay", str(OVERLAY)],
        "is a folder of Kubernetes/Istio manifests (expected no --overlay with manifests)",
    )
