"""Which files are Terraform's JSON: recognised by their first bytes, never by name, listed and read through `located.files`."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from ..errors import BlueprintError, Problem
from ..located.files import Listing, list_files, read_bytes
from ..located.guard import Refusal
from .read import decode, looks_like_terraform

__all__ = [
    "MAX_TERRAFORM_BYTES",
    "SKIPPED_FOLDERS",
    "is_terraform",
    "read_terraform_bytes",
    "terraform_files",
    "terraform_listing",
]

MAX_TERRAFORM_BYTES = 512 * 1024 * 1024
"""The largest Terraform file read, in bytes (512 MiB). A plan writes every resource up to three
times (`planned_values`, `resource_changes`, `prior_state`): the 60,000-resource plan of the
benchmark is 166 MB, beyond the 50 MiB a YAML file may have."""
SKIPPED_FOLDERS = ("variants", "manifests", "terraform")
"""Folders below a PATH that are not part of its estate (variants, a cluster's manifests, the
Terraform form of a blueprint kept beside it)."""
_HEAD = 65536
_BINARY_PLAN = b"PK\x03\x04"
# a blueprint key at the top of JSON or of YAML's flow style (`{clouds: [...]}`): quoted or bare
_BLUEPRINT_KEY = re.compile(
    r'(?:^|[{,\s])["\']?(crossfence|name|description|personal_data_jurisdiction|clouds|networks'
    r'|workloads|intents|suppressions|clusters|load_balancers)["\']?\s*:'
)


def _head(path: Path) -> bytes | None:
    """The first bytes of a regular file (None for anything else, or one that cannot be read):
    opened without blocking, checked once open, as `located.files.read_bytes` does."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return os.read(fd, _HEAD)
    except OSError:
        return None
    finally:
        os.close(fd)


def _sniff(path: Path, *, foreign: bool) -> bool:
    """Whether a file is Terraform's (its first keys are; a binary plan, refused with what to
    run); with `foreign`, also JSON that is no blueprint (the Terraform reader refuses it, saying
    what it expected)."""
    head = _head(path)
    if head is None:
        return False
    try:
        text = decode(head, str(path))
    except BlueprintError:
        return head.startswith(_BINARY_PLAN)
    except UnicodeDecodeError:
        return False
    if looks_like_terraform(text):
        return True
    if not foreign:
        return False
    start = text.lstrip()
    return start.startswith(("{", "[")) and _BLUEPRINT_KEY.search(start) is None


def terraform_listing(path: Path, *, foreign: bool = True) -> Listing:
    """The Terraform files PATH stands for, and what was found wrong listing it.

    A file is read as Terraform's when its content is (or, given alone and with `foreign`, when
    it is JSON that is no blueprint: refused later with what was expected; Kubernetes manifests
    are told apart before, by `inputs.is_manifests`). A folder's files are those whose content is
    Terraform's, by `located.files.list_files` (regular files, links followed, no dot-names, not
    under `variants/`, `manifests/` or `terraform/`)."""
    listing = list_files(path, None, skip_folders=SKIPPED_FOLDERS)
    if not path.is_dir():
        listing.files = [f for f in listing.files if _sniff(f, foreign=foreign)]
        return listing
    listing.files = [f for f in listing.files if f.suffix not in (".yaml", ".yml")]
    listing.files = [f for f in listing.files if _sniff(f, foreign=False)]
    # a YAML file skipped for its kind (a FIFO...) is the blueprint loader's to report, once
    listing.problems = [
        p
        for p in listing.problems
        if p.severity == "error" or not (p.file or "").endswith((".yaml", ".yml"))
    ]
    return listing


def terraform_files(path: Path, *, foreign: bool = True) -> list[Path]:
    """The Terraform files PATH stands for (`terraform_listing`)."""
    return terraform_listing(path, foreign=foreign).files


def is_terraform(path: Path) -> bool:
    """Whether PATH is a Terraform file, or a folder holding Terraform files."""
    return bool(terraform_files(path))


def read_terraform_bytes(path: Path, name: str) -> bytes:
    """The bytes of a Terraform file (at most `MAX_TERRAFORM_BYTES`); a `BlueprintError` located
    at the file when it cannot be read whole."""
    try:
        return read_bytes(path, limit=MAX_TERRAFORM_BYTES)
    except Refusal as refusal:
        raise BlueprintError(
            [Problem(refusal.message, file=name, code="file")], summary=f"{name}: not read"
        ) from None
