"""Where a command's report goes: each `--format` on the terminal or in its `-o` file, and the consoles."""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ..errors import InputError, Problem

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "STDOUT",
    "PipeClosed",
    "Sink",
    "Target",
    "check_writable",
    "err",
    "file_console",
    "out",
    "plan",
    "write_file",
]

STDOUT = "-"
"""The `-o` value that means standard output (checkov's `console`, ruff's default)."""

# Piped output (CI logs, `make demo | less`) and files get a readable width instead of Rich's 80
# columns; the terminal's own width otherwise.
_WIDTH = None if sys.stdout.isatty() else 120
_FILE_WIDTH = 120


def _console(**options: Any) -> Console:
    """A Rich console whose closed pipe is `PipeClosed`, as a report's on standard output is
    (Rich's own answer is to exit with code 1, which `check` uses for findings)."""
    from rich.console import Console
    from rich.segment import Segment

    from ..report.visible import CONTROLS

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise PipeClosed

        def _render_buffer(self, buffer: Iterable[Segment]) -> str:
            # User text (a description, a file name, a Terraform address) may hold ESC, BEL,
            # CR or a bidirectional override: each is printed as its escape, never acted on by
            # the terminal. Rich's own codes are its control segments and styles, applied after.
            return super()._render_buffer(
                segment if control else Segment(text.translate(CONTROLS), style, control)
                for segment in buffer
                for text, style, control in (segment,)
            )

    return _Console(**options)


class _Lazy:
    """A Rich console made on first use: `matrix DIR --format json` prints no Rich at all, and
    importing Rich's console costs ~50 ms of every run."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def console(self) -> Console:
        if self._console is None:
            self._console = _console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console(), name)

    def release(self) -> None:
        """Write to the standard stream of the moment again (a report set its checked one)."""
        if self._console is not None:
            self._console.file = None  # type: ignore[assignment]


# Rich markup stays on for crossfence's own styles; every user string is escaped where it is
# printed (report/ and cli/), and emoji codes are off: `estate.yaml:100:9` must not print 💯.
out: Any = _Lazy(highlight=False, emoji=False, width=_WIDTH)
err: Any = _Lazy(stderr=True, highlight=False, emoji=False, soft_wrap=True)


def file_console(stream: TextIO) -> Console:
    """A Rich console writing plain text (no colour codes) to a file, 120 columns wide."""
    return _console(
        file=stream,
        width=_FILE_WIDTH,
        highlight=False,
        emoji=False,
        color_system=None,
        force_terminal=False,
    )


class PipeClosed(Exception):
    """Standard output was a pipe whose reader went away (`crossfence matrix ... | head`)."""


class Target:
    """One report to write: a format, and a file (None: standard output)."""

    __slots__ = ("format", "path")

    def __init__(self, format: str, path: Path | None = None) -> None:
        self.format = format
        self.path = path

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Target) and (self.format, self.path) == (other.format, other.path)

    def __hash__(self) -> int:
        return hash((self.format, self.path))

    def __repr__(self) -> str:
        return f"Target({self.format!r}, {self.path!r})"

    @property
    def name(self) -> str:
        """What messages call the destination."""
        return "standard output" if self.path is None else str(self.path)


class Sink:
    """Where one report is written: a text stream, with a Rich console on it for `text`."""

    __slots__ = ("stream", "terminal")

    def __init__(self, stream: TextIO, terminal: bool) -> None:
        self.stream = stream
        self.terminal = terminal
        """True for standard output (the shared console `out`, with colours on a terminal)."""

    def console(self) -> Console:
        """The console a text renderer prints to (the shared one, on this stream)."""
        if not self.terminal:
            return file_console(self.stream)
        console: Console = out.console()
        console.file = self.stream  # the checked standard output; its colours and width stay
        return console


# Plain classes, not dataclasses: every command imports this module, and a dataclass costs a
# fraction of a millisecond to create at import.
def _usage(message: str) -> InputError:
    return InputError.single(message, code="usage")


def check_writable(path: Path) -> None:
    """Refuse, before any work, an `-o` path that cannot be a file: a folder, or a file in a
    folder that does not exist (crossfence creates no folders for a report)."""
    if path.is_dir():
        raise InputError.single(
            "is a folder (expected the path of a file to write)", file=str(path), code="output"
        )
    parent = path.parent
    if not parent.exists():
        raise InputError.single(
            f"folder {parent} does not exist (expected a file in an existing folder)",
            file=str(path),
            code="output",
        )
    if not parent.is_dir():
        raise InputError.single(
            f"{parent} is not a folder (expected a file in an existing folder)",
            file=str(path),
            code="output",
        )


def plan(
    formats: Sequence[str] | None,
    outputs: Sequence[str] | None,
    offered: Iterable[str],
    default: str = "text",
) -> list[Target]:
    """The reports to write, from the repeatable `--format` and `-o/--output`.

    The rule (checkov's pairing of `--output` with `--output-file-path`): with no `-o`, one
    format goes to standard output; otherwise there is one `-o` per format, the i-th `-o` for the
    i-th `--format` (`-` is standard output, at most once). One `-o` without `--format` writes
    the default format to that file. `default` is the configured format when the command offers
    it, else the command's own.
    """
    formats = list(formats or [])
    outputs = list(outputs or [])
    offered = list(offered)
    if not formats:
        formats = [default if default in offered else offered[0]] * max(1, len(outputs))
    if not outputs:
        if len(formats) > 1:
            raise _usage(
                f"--format given {len(formats)} times ({', '.join(formats)}) with no -o/--output "
                "(expected one -o per --format, in the same order; '-' for standard output)"
            )
        return [Target(formats[0])]
    if len(outputs) != len(formats):
        raise _usage(
            f"{len(formats)} --format ({', '.join(formats)}) and {len(outputs)} -o/--output "
            f"({', '.join(outputs)}) (expected one -o per --format, in the same order; "
            "'-' for standard output)"
        )
    targets: list[Target] = []
    seen: dict[Path | None, str] = {}
    for fmt, output in zip(formats, outputs, strict=True):
        path = None if output == STDOUT else Path(output)
        key = None if path is None else path.resolve()
        if key in seen:
            raise _usage(
                f"-o {output} is given for both {seen[key]} and {fmt} "
                "(expected one destination per report; '-' at most once)"
            )
        seen[key] = fmt
        if path is not None:
            check_writable(path)
        targets.append(Target(fmt, path))
    return targets


def _mode(path: Path) -> int:
    """The permissions of a new report: those of the file it replaces, else 0666 less the umask
    (`mkstemp` makes 0600, which would hide a report from the CI job that uploads it)."""
    with suppress(OSError):
        return path.stat().st_mode & 0o7777
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


class _WriteFailed(Exception):
    """Writing to a report's stream failed (`error`): told apart from an error of the renderer."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error)
        self.error = error


class _Checked:
    """A report's stream: a failure to write to it is `_WriteFailed` (a full disk), or
    `PipeClosed`, so an `OSError` the renderer raises for a reason of its own stays a bug."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise PipeClosed from None
        except OSError as error:
            raise _WriteFailed(error) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise PipeClosed from None
        except OSError as error:
            raise _WriteFailed(error) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _cannot_write(where: str | None, error: OSError) -> InputError:
    message = (
        f"cannot write the report: {error.strerror or error} "
        "(expected a file crossfence can write, on a disk with room)"
    )
    if where is None:
        return InputError([Problem(f"<standard output>: {message}", code="output")])
    return InputError.single(message, file=where, code="output")


def write_file(path: Path, write: Callable[[TextIO], None]) -> None:
    """Write a report to `path`: through a temporary file renamed over it when it is (or will
    be) a regular file, so a failed write never leaves half a report; directly otherwise (a
    device, a FIFO). A link is followed, as any program writing to it would. A failure to write
    is a located `InputError`; any other error of `write` is raised as it is."""
    temporary: str | None = None
    try:
        target = path.resolve()
        special = target.exists() and not target.is_file()
        if special and stat.S_ISFIFO(target.stat().st_mode):
            # a named pipe: opened without waiting, so that a pipe nobody reads is an error now
            # instead of a command that hangs; then written as any file (closed below)
            try:
                descriptor = os.open(target, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as error:
                if error.errno != errno.ENXIO:
                    raise
                raise InputError.single(
                    "cannot write the report: no process reads this named pipe (expected a file, "
                    "or a pipe another process is reading)",
                    file=str(path),
                    code="output",
                ) from None
            os.set_blocking(descriptor, True)
            handle = os.fdopen(descriptor, "w", encoding="utf-8", newline="")
        elif special:
            # closed in the `finally` below, after the write it guards
            handle = open(target, "w", encoding="utf-8", newline="")  # noqa: SIM115
        else:
            import tempfile  # here: importing it costs every run a few milliseconds

            mode = _mode(target)
            descriptor, temporary = tempfile.mkstemp(
                prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
            )
            handle = os.fdopen(descriptor, "w", encoding="utf-8", newline="")
    except OSError as error:
        raise _cannot_write(str(path), error) from None
    try:
        try:
            write(_Checked(handle))  # type: ignore[arg-type]
        except _WriteFailed as failed:
            raise _cannot_write(str(path), failed.error) from None
        try:
            handle.close()  # the last flush
            if temporary is not None:
                os.chmod(temporary, mode)
                os.replace(temporary, target)
                temporary = None
        except OSError as error:
            raise _cannot_write(str(path), error) from None
    finally:
        with suppress(OSError):
            handle.close()
        if temporary is not None:
            with suppress(OSError):
                os.unlink(temporary)


def write_stdout(write: Callable[[TextIO], None]) -> None:
    """Write a report to standard output and flush it: a full disk behind a redirection is a
    located error now, not a message at interpreter exit; a closed pipe is `PipeClosed`."""
    stream = _Checked(sys.stdout)
    try:
        write(stream)  # type: ignore[arg-type]
        stream.flush()
    except _WriteFailed as failed:
        raise _cannot_write(None, failed.error) from None
    finally:
        out.release()
