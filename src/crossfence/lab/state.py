"""A lab's names and its state file: everything it creates is named with its prefix and written down before it exists."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import QueryError

__all__ = [
    "LAB_NAME",
    "Names",
    "Resource",
    "State",
    "default_root",
    "lab_dir",
    "validate_name",
]

# Interface names are at most 15 characters; `cf<lab>-<n>a` with a lab name of 6 characters and
# 4 digits is 14. Names have no `-`, so no two labs' prefixes overlap.
LAB_NAME = re.compile(r"^[a-z][a-z0-9]{0,5}$")
_MAX_LINKS = 10000
_STATE = "state.json"
_CREATED = ".created"


def validate_name(name: str) -> str:
    """The lab's name, or a QueryError saying what a name may be."""
    if not LAB_NAME.match(name):
        raise QueryError.single(
            f"--name {name!r} is not a lab name (expected 1 to 6 lowercase letters and digits, "
            "starting with a letter: it prefixes every namespace and interface the lab creates)"
        )
    return name


def default_root() -> Path:
    """Where labs keep their state: /run/crossfence/lab (a tmpfs: a reboot leaves nothing, as it
    leaves no namespace), or CROSSFENCE_LAB_DIR."""
    return Path(os.environ.get("CROSSFENCE_LAB_DIR", "/run/crossfence/lab"))


def lab_dir(name: str, root: Path | None = None) -> Path:
    return (root or default_root()) / name


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


class Names:
    """The names of one lab: namespaces `cf-<lab>-<role>-<object>`, veth pairs `cf<lab>-<n>a/b`,
    WireGuard interfaces `cf<lab>-w<n>` (their UAPI sockets live in one global folder, so the lab
    name keeps two labs' apart)."""

    def __init__(self, lab: str) -> None:
        self.lab = validate_name(lab)
        self.prefix = f"cf-{lab}-"
        self.ifprefix = f"cf{lab}-"
        self._namespaces: dict[str, str] = {}
        self._links = 0
        self._tunnels = 0

    def netns(self, role: str, obj: str) -> str:
        """A new namespace name for `obj` in `role` (unique within the lab)."""
        base = f"{self.prefix}{role}-{_slug(obj)}"[:200]
        name, n = base, 1
        while name in self._namespaces.values():
            n += 1
            name = f"{base}-{n}"
        self._namespaces[f"{role}/{obj}/{n}"] = name
        return name

    def veth(self) -> tuple[str, str]:
        """The two ends of a new veth pair."""
        if self._links >= _MAX_LINKS:
            raise QueryError.single(f"the lab needs more than {_MAX_LINKS} links")
        n = self._links
        self._links += 1
        return f"{self.ifprefix}{n}a", f"{self.ifprefix}{n}b"

    def wireguard(self) -> str:
        """A new WireGuard interface name."""
        n = self._tunnels
        self._tunnels += 1
        return f"{self.ifprefix}w{n}"

    def owns_interface(self, name: str) -> bool:
        return name.startswith(self.ifprefix)


@dataclass
class Resource:
    """One thing the lab created (or is about to): a namespace, a daemon, a file, a folder."""

    kind: str
    """`netns`, `process`, `links` (veth pairs, gone with their namespaces), `dir` (removed when
    empty), `socket` (a daemon's, removed if it left it behind)."""
    name: str
    """The namespace name, the daemon's role, or the path."""
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, **self.details}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Resource:
        rest = {k: v for k, v in data.items() if k not in ("kind", "name")}
        return cls(str(data["kind"]), str(data["name"]), rest)


class State:
    """The state file of one lab, written after every change, so that `down` finds everything
    even when `up` died half-way."""

    def __init__(self, directory: Path, data: dict[str, Any]) -> None:
        self.directory = directory
        self.data = data
        self.resources = [Resource.from_json(r) for r in data.get("resources", [])]

    @property
    def path(self) -> Path:
        return self.directory / _STATE

    @property
    def name(self) -> str:
        return str(self.data["name"])

    @classmethod
    def create(cls, directory: Path, name: str, blueprint: str) -> State:
        """A new lab's state; its folder is the first thing recorded (and removed last). The
        folders above it that did not exist are listed in the labs' folder (`.created`): the
        last lab's `down` removes them."""
        root = directory.parent
        missing = [p for p in directory.parents if not p.exists()]
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        if missing:
            (root / _CREATED).write_text(json.dumps([str(p) for p in missing]))
        state = cls(directory, {"name": name, "blueprint": blueprint, "phase": "building"})
        state.save()
        return state

    def remove_folder(self) -> int:
        """Remove the lab's folder, then the labs' folder and those above it that `create`
        made, once no lab is left in them; how many files were removed."""
        removed = 0
        if self.directory.exists():
            removed = sum(1 for _ in self.directory.iterdir())
            shutil.rmtree(self.directory)
        root = self.directory.parent
        marker = root / _CREATED
        if marker.exists() and [p.name for p in root.iterdir()] == [_CREATED]:
            created = json.loads(marker.read_text())
            marker.unlink()
            for folder in created:  # deepest first
                with contextlib.suppress(OSError):
                    Path(folder).rmdir()
        return removed

    @classmethod
    def load(cls, directory: Path) -> State | None:
        path = directory / _STATE
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            raise QueryError.single(
                f"{path}: the lab's state file is unreadable ({error})"
            ) from None
        return cls(directory, data)

    def record(self, kind: str, name: str, **details: Any) -> Resource:
        """Write down a resource before creating it."""
        resource = Resource(kind, name, dict(details))
        self.resources.append(resource)
        self.save()
        return resource

    def update(self, resource: Resource, **details: Any) -> None:
        resource.details.update(details)
        self.save()

    def forget(self, resource: Resource) -> None:
        self.resources.remove(resource)
        self.save()

    def set(self, key: str, value: Any) -> None:
        self.data[key] = value
        self.save()

    def of_kind(self, kind: str) -> list[Resource]:
        return [r for r in self.resources if r.kind == kind]

    def save(self) -> None:
        self.data["resources"] = [r.to_json() for r in self.resources]
        temporary = self.path.with_suffix(".tmp")
        with temporary.open("w") as handle:
            json.dump(self.data, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(self.path)

    def delete(self) -> None:
        self.path.unlink(missing_ok=True)
        self.path.with_suffix(".tmp").unlink(missing_ok=True)
