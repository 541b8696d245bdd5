"""Folders are read whole or refused: only regular files, links followed where they lead, never a FIFO, a device or a link loop.

A FIFO named `x.yaml` used to hang every command, a link to /dev/zero to read until memory ran
out; a folder that could not be listed, or policies in a linked folder, were dropped without a
word. Each case runs the CLI in a process of its own, bounded in time and memory.
"""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from crossfence import load
from crossfence.errors import BlueprintError, ManifestError
from crossfence.located import guard
from crossfence.located.files import list_files, read_text
from crossfence.located.guard import Refusal
from crossfence.located.yamlsource import read_documents
from crossfence.providers.kubernetes import load_manifests

POD = "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: default}}\n"
SUFFIXES = (".yaml", ".yml", ".json")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    return subprocess.run(
        [sys.executable, "-m", "crossfence", *args],
        capture_output=True,
        text=True,
        timeout=30,
        preexec_fn=limit,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        check=False,
    )


def _cluster(tmp_path: Path) -> Path:
    folder = tmp_path / "cluster"
    folder.mkdir()
    (folder / "web.yaml").write_text(POD.format(name="web"))
    return folder


def test_a_fifo_in_a_folder_is_skipped_with_a_warning(tmp_path: Path) -> None:
    folder = _cluster(tmp_path)
    os.mkfifo(folder / "x.yaml")
    done = _run("validate", str(folder))
    assert done.returncode == 0, done.stderr
    assert f"warning: {folder / 'x.yaml'}: a named pipe (FIFO) is not read; skipped" in done.stderr
    cluster = load_manifests(folder)
    assert [p.name for p in cluster.pods] == ["web"]


def test_a_fifo_given_as_the_path_is_an_error(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.yaml")
    for args in (("validate", str(tmp_path / "x.yaml")), ("matrix", str(tmp_path / "x.yaml"))):
        done = _run(*args)
        assert done.returncode == 2, done.stderr
        assert "a named pipe (FIFO) is not read (expected a regular file or a folder)" in (
            done.stderr
        )
        assert "Traceback" not in done.stderr


def test_a_link_to_dev_zero_is_skipped(tmp_path: Path) -> None:
    folder = _cluster(tmp_path)
    (folder / "zero.yaml").symlink_to("/dev/zero")
    done = _run("validate", str(folder))
    assert done.returncode == 0, done.stderr
    assert f"{folder / 'zero.yaml'}: a character device is not read; skipped" in done.stderr
    done = _run("validate", str(folder / "zero.yaml"))
    assert done.returncode == 2
    assert "a character device is not read" in done.stderr


def test_a_socket_is_skipped(tmp_path: Path) -> None:
    folder = _cluster(tmp_path)
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(folder / "s.yaml"))
        cluster = load_manifests(folder)
    finally:
        server.close()
    assert [str(w) for w in cluster.warnings] == [
        f"{folder / 's.yaml'}: a socket is not read; skipped"
    ]


def test_a_file_read_as_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    """Reading opens without blocking and checks what was opened: a file swapped for a FIFO
    after the folder was listed cannot hang the read."""
    os.mkfifo(tmp_path / "x.yaml")
    with pytest.raises(Refusal, match=r"a named pipe \(FIFO\) is not read"):
        read_text(tmp_path / "x.yaml")


def test_a_file_over_the_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(guard, "MAX_FILE_BYTES", 1024 * 1024)
    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * (1024 * 1024) + "\n")
    with pytest.raises(
        ManifestError, match=r"big.yaml: the file is 1.0 MiB \(expected at most 1 MiB"
    ):
        list(read_documents(path))
    with pytest.raises(BlueprintError, match=r"the file is 1.0 MiB \(expected at most 1 MiB"):
        load(path)


def test_links_to_files_and_folders_are_followed(tmp_path: Path) -> None:
    """Policies in a linked folder or file are read: dropping them would allow what they deny."""
    elsewhere = tmp_path / "shared"
    (elsewhere / "policies").mkdir(parents=True)
    (elsewhere / "policies" / "db.yaml").write_text(POD.format(name="db"))
    (elsewhere / "one.yaml").write_text(POD.format(name="one"))
    folder = _cluster(tmp_path)
    (folder / "policies").symlink_to(elsewhere / "policies")
    (folder / "one.yaml").symlink_to(elsewhere / "one.yaml")
    assert sorted(p.name for p in load_manifests(folder).pods) == ["db", "one", "web"]


def test_a_link_loop_is_read_once(tmp_path: Path) -> None:
    folder = _cluster(tmp_path)
    (folder / "sub").mkdir()
    (folder / "sub" / "db.yaml").write_text(POD.format(name="db"))
    (folder / "sub" / "up").symlink_to(folder)
    (folder / "again.yaml").symlink_to(folder / "web.yaml")
    cluster = load_manifests(folder)
    assert sorted(p.name for p in cluster.pods) == ["db", "web"]
    assert sorted(str(w) for w in cluster.warnings) == [
        f"{folder / 'again.yaml'}: the same file as {folder / 'web.yaml'}; read once",
        f"{folder / 'sub' / 'up'}: a link to a folder already read; not read twice",
    ]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda f: (f / "gone.yaml").symlink_to(f / "nowhere.yaml"), "a broken symbolic link"),
        (lambda f: (f / "gone").symlink_to(f / "nowhere"), "a broken symbolic link"),
        (lambda f: (f / "loop.yaml").symlink_to(f / "loop.yaml"), "a symbolic link loop"),
    ],
    ids=["file", "folder", "loop"],
)
def test_a_broken_link_is_an_error(tmp_path: Path, make: object, message: str) -> None:
    """What a broken link stood for (a file? a folder of policies?) would be left out."""
    folder = _cluster(tmp_path)
    make(folder)  # type: ignore[operator]
    with pytest.raises(ManifestError, match=message):
        load_manifests(folder)
    done = _run("matrix", str(folder))
    assert done.returncode == 2 and message in done.stderr


def test_a_folder_that_cannot_be_listed_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(Permissions cannot be taken from root, who runs these tests: the listing fails as it
    does for a user without the right.)"""
    folder = _cluster(tmp_path)
    (folder / "policies").mkdir()
    (folder / "policies" / "deny.yaml").write_text(POD.format(name="db"))
    scandir = os.scandir

    def denied(path: object) -> object:
        if Path(str(path)).name == "policies":
            raise PermissionError(13, "Permission denied")
        return scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", denied)
    with pytest.raises(ManifestError) as raised:
        load_manifests(folder)
    assert str(raised.value) == (
        f"{folder / 'policies'}: cannot list the folder: Permission denied (expected a "
        "readable folder: its files would be left out)"
    )


def test_dot_folders_and_dot_files_are_not_read(tmp_path: Path) -> None:
    folder = _cluster(tmp_path)
    for hidden in (".git", ".venv/lib"):
        (folder / hidden).mkdir(parents=True)
        (folder / hidden / "x.yaml").write_text("not: [valid\n")
    (folder / ".crossfence.yaml").write_text("fail-on: high\n")
    listing = list_files(folder, SUFFIXES)
    assert listing.files == [folder / "web.yaml"] and listing.problems == []


def test_other_files_of_a_manifests_folder_are_skipped_with_a_warning(tmp_path: Path) -> None:
    folder = _cluster(tmp_path)
    (folder / "README.md").write_text("# the cluster\n")
    (folder / "notes.txt").write_text("x\n")
    warnings = [str(w) for w in load_manifests(folder).warnings]
    assert warnings == [
        f"{folder / 'README.md'}: not read (expected .json, .yaml, .yml files); skipped",
        f"{folder / 'notes.txt'}: not read (expected .json, .yaml, .yml files); skipped",
    ]


def test_a_blueprint_folder_skips_fifos_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "estate.yaml").write_text("crossfence: 1\nname: x\n")
    os.mkfifo(tmp_path / "pipe.yaml")
    blueprint = load(tmp_path)
    assert [w.message for w in blueprint.warnings] == ["a named pipe (FIFO) is not read; skipped"]


@pytest.mark.parametrize("name", ["c\nkind: Secret\nx: .yaml", "a\x1b[31m.yaml", "a\u202egnp.yaml"])
def test_a_name_with_a_control_character_is_an_error(tmp_path: Path, name: str) -> None:
    """A file's name is printed into reports and written into compiled files' headers: with a
    line break, `kind: Secret` became a line of YAML of its own in compiled manifests."""
    (tmp_path / "a.yaml").write_text("a: 1\n", encoding="utf-8")
    (tmp_path / name).write_text("a: 1\n", encoding="utf-8")
    for root in (tmp_path, tmp_path / name):
        listing = list_files(root, {".yaml"})
        assert [p.name for p in listing.files] == (["a.yaml"] if root == tmp_path else [])
        (problem,) = listing.errors
        assert problem.file == str(tmp_path / name)
        assert "the name holds U+" in problem.message and "not read" in problem.message
