"""The files a path stands for, read whole or refused: regular files only, links followed where they lead, no dot-folders."""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from crossfence.errors import Problem, Severity
from crossfence.located import guard
from crossfence.located.guard import Refusal

__all__ = ["Listing", "list_files", "read_bytes", "read_text"]


@dataclass
class Listing:
    """The files to read under a path, in path order, and what was found wrong on the way."""

    files: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    """Errors (a folder that cannot be listed, a broken link...) and warnings (a file skipped)."""

    @property
    def errors(self) -> list[Problem]:
        """The problems of severity error: the files listed are not the whole folder."""
        return [p for p in self.problems if p.severity == "error"]


def _kind(mode: int) -> str:
    """What a file that is not a regular file nor a folder is, in `ls -l`'s words."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "not a regular file"


def list_files(
    root: Path,
    suffixes: Collection[str] | None,
    *,
    skip_folders: Collection[str] = (),
    warn_others: bool = False,
    name: Callable[[Path], str] = str,
) -> Listing:
    """The regular files with one of `suffixes` (None: any name) under `root` (or `root` itself
    if it is a file).

    - Names starting with a dot (`.git`, `.venv`, `.crossfence.yaml`) are not read, nor folders
      named in `skip_folders` (below the root).
    - Symbolic links are followed: to a regular file, it is read; to a folder, it is walked. A
      folder or file reached twice (a link to a folder already walked, a link loop, two links to
      one file) is read once, with a warning; a broken link or a link loop that cannot be
      resolved is an error (what it stood for would be left out).
    - A FIFO, socket or device is skipped with a warning (reading one can block or never end);
      as `root`, it is an error. With `warn_others`, every other file not read is a warning.
    - A folder that cannot be listed is an error: its files would silently be left out.
    """
    listing = Listing()
    problems = listing.problems

    def problem(path: Path, message: str, severity: Severity = "error") -> None:
        problems.append(Problem(message, file=name(path), severity=severity, code="file"))

    control = _CONTROL.search(root.name)
    if control is not None:
        problem(root, _control_name(control.group()))
        return listing
    try:
        mode = os.stat(root).st_mode
    except OSError as error:
        problem(root, _unreachable(root, error))
        return listing
    if stat.S_ISREG(mode):
        listing.files.append(root)
        return listing
    if not stat.S_ISDIR(mode):
        problem(root, f"{_kind(mode)} is not read (expected a regular file or a folder)")
        return listing
    folders_seen = {os.path.realpath(root)}
    files_seen: dict[str, Path] = {}
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError as error:
            problem(
                folder,
                f"cannot list the folder: {error.strerror or error} (expected a readable folder: "
                "its files would be left out)",
            )
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            control = _CONTROL.search(entry.name)
            if control is not None:
                # a name is printed into reports and written into compiled files' headers: a
                # line break there starts a line of YAML of its own (`kind: Secret`)
                problem(path, _control_name(control.group()))
                continue
            try:
                mode = entry.stat().st_mode  # follows links
            except OSError as error:
                problem(path, _unreachable(path, error))
                continue
            if stat.S_ISDIR(mode):
                if entry.name in skip_folders:
                    continue
                real = os.path.realpath(path)
                if real in folders_seen:
                    problem(path, "a link to a folder already read; not read twice", "warning")
                    continue
                folders_seen.add(real)
                pending.append(path)
            elif stat.S_ISREG(mode):
                if suffixes is None or path.suffix in suffixes:
                    real = os.path.realpath(path)
                    first = files_seen.get(real)
                    if first is not None:
                        # the file is read under its own name, not a link's
                        if real == os.path.abspath(path):
                            first, path = path, first
                            listing.files[listing.files.index(path)] = first
                            files_seen[real] = first
                        problem(path, f"the same file as {name(first)}; read once", "warning")
                        continue
                    files_seen[real] = path
                    listing.files.append(path)
                elif warn_others and suffixes is not None:
                    expected = ", ".join(sorted(suffixes))
                    problem(path, f"not read (expected {expected} files); skipped", "warning")
            elif suffixes is None or path.suffix in suffixes or warn_others:
                problem(path, f"{_kind(mode)} is not read; skipped", "warning")
    listing.files.sort()
    return listing


# control characters (C0, DEL, C1) and the Unicode bidirectional embeddings, overrides and isolates
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _control_name(character: str) -> str:
    return (
        f"the name holds U+{ord(character):04X}, a control character (expected a name without "
        "line breaks, escapes or direction overrides); not read"
    )


def _unreachable(path: Path, error: OSError) -> str:
    """Why `stat` failed on a path, in the user's words."""
    if error.errno == errno.ELOOP:
        return "a symbolic link loop (expected a link to a file or folder)"
    if os.path.islink(path):
        target = os.readlink(path)
        return f"a broken symbolic link to {target} (expected a link to a file or folder)"
    if error.errno == errno.ENOENT:
        return "no such file or folder"
    return f"cannot read: {error.strerror or error} (expected a readable file or folder)"


def read_bytes(path: Path, *, limit: int | None = None) -> bytes:
    """The bytes of a regular file, read whole; raises `Refusal` (a FIFO or device, a file over
    `limit` bytes, default `guard.MAX_FILE_BYTES`, an OS error).

    The file is opened without blocking and checked once open, so a file replaced by a FIFO
    between listing and reading cannot hang the read.
    """
    try:
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(path, flags)
    except OSError as error:
        raise Refusal(_unreachable(path, error)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Refusal(f"{_kind(info.st_mode)} is not read (expected a regular file)")
        limit = guard.MAX_FILE_BYTES if limit is None else limit  # read when called: it may be set
        if info.st_size > limit:
            raise Refusal(_too_big(info.st_size, limit))
        chunks = []
        size = 0
        while True:
            chunk = os.read(fd, max(info.st_size + 1 - size, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:  # it grew while being read
                raise Refusal(_too_big(size, limit))
    except OSError as error:
        raise Refusal(
            f"cannot read the file: {error.strerror or error} (expected a readable file)"
        ) from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def read_text(path: Path, *, universal_newlines: bool = False) -> str:
    """The UTF-8 text of a regular file, read whole (`read_bytes`); raises `Refusal` (a FIFO or
    device, a file over `guard.MAX_FILE_BYTES`, bytes that are not UTF-8, an OS error).
    `universal_newlines` reads `\r\n` and `\r` as `\n`, as `Path.read_text` does.
    """
    raw = read_bytes(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        start = error.start
        line = raw.count(b"\n", 0, start) + 1
        column = len(raw[raw.rfind(b"\n", 0, start) + 1 : start].decode("utf-8", "replace")) + 1
        raise Refusal(
            f"byte 0x{raw[start]:02x} is not UTF-8 text (expected a UTF-8 YAML file)",
            line,
            column,
        ) from None
    if universal_newlines and "\r" in text:
        return text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _too_big(size: int, limit: int) -> str:
    return (
        f"the file is {size / 1048576:.1f} MiB (expected at most {limit / 1048576:g} MiB per file)"
    )
