"""What a PATH argument holds: a blueprint, Terraform's JSON, or a folder of Kubernetes/Istio manifests treated as one cluster, decided from every file's content."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from .errors import InputError, Problem
from .located.files import list_files, read_text
from .located.guard import Refusal

__all__ = ["BLUEPRINT_KEYS", "classify", "is_manifests", "is_terraform"]

BLUEPRINT_KEYS = frozenset(
    {
        *("backups", "bgp_sessions", "buckets", "clouds", "clusters", "credentials"),
        *("crossfence", "description", "dlp_paths", "dns_server_policies", "dns_zones"),
        *("firewall_policies", "global_namespaces", "intents", "keys", "load_balancers"),
        *("name", "networks", "org_policies", "peerings", "personal_data_jurisdiction"),
        *("routers", "routing_policies", "security_groups", "service_perimeters"),
        *("suppressions", "vault_roles", "vpn_gateways", "vpn_tunnels", "workloads"),
    }
)
"""The top-level keys of a blueprint file (`Blueprint`'s fields: a test keeps them equal; this
module does not import the model, so that recognising a path costs no pydantic)."""
# keys a blueprint has and many other YAML files too: they alone say nothing
_SIGNAL = BLUEPRINT_KEYS - {"name", "description"}
_OBJECT = frozenset({"apiVersion", "kind"})
_BLUEPRINT_SUFFIXES = (".yaml", ".yml")
_MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
_NOT_BLUEPRINT = ("variants", "manifests", "terraform")
# a key at the start of a line: a top-level key of a block mapping, in any document; matched
# only where a line starts with neither a space, a comment nor an item (found at C speed first:
# a blueprint of 5,000 workloads has 150,000 lines and a dozen such)
_LINE_START = re.compile(r"\n(?=[^\s#-])")
_TOP_KEY = re.compile(
    r"""(?:"([^"\n]*)"|'([^'\n]*)'|([A-Za-z_$][\w.$/-]*))[ \t]*:(?=[ \t\r\n]|\Z)"""
)
_CONTENT = re.compile(r"^[ \t]*[^\s#]", re.M)

Kind = Literal["blueprint", "manifests", "other"]


def _kind_of_keys(keys: set[Any]) -> Kind:
    if "kind" in keys and ("apiVersion" in keys or "metadata" in keys):
        return "manifests"
    if keys & _SIGNAL and not keys & _OBJECT:
        return "blueprint"
    return "other"


def _parsed_keys(name: str, text: str) -> set[Any]:
    """The keys of the mappings a file's documents are (or hold at their top, for lists), read
    by the loaders' reader (with its limits); none if it does not read."""
    from .errors import ManifestError
    from .located import yamlsource
    from .located.fastyaml import read_fast

    def slow() -> list[yamlsource.NodeDocument]:
        return yamlsource._read_slow(name, text)

    try:
        documents: Sequence[Any] = read_fast(name, text, slow) or slow()
    except ManifestError:
        return set()  # the loader that owns the file reports it, located
    keys: set[Any] = set()
    for document in documents:
        value = document.value
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                keys.update(item)
    return keys


def classify(path: Path) -> Kind:
    """What one file is: a blueprint file (top-level blueprint sections), Kubernetes manifests
    (top-level `kind` with `apiVersion` or `metadata`), or other (neither, or unreadable).

    Block-style YAML is recognised from its text, without parsing it: a blueprint command does
    not pay for reading a big blueprint twice. JSON and flow-style YAML are parsed.
    """
    try:
        text = read_text(path)
    except Refusal:
        return "other"  # the loader that owns the file reports it, located
    keys: set[Any] = set()
    starts = itertools.chain((0,), (line.end() for line in _LINE_START.finditer(text)))
    for start in starts:
        key = _TOP_KEY.match(text, start)
        if key is not None:
            keys.add(next(group for group in key.groups() if group is not None))
            if "kind" in keys and _kind_of_keys(keys) == "manifests":
                return "manifests"  # (one object tells; a file may hold thousands)
    if not keys and _CONTENT.search(text):
        keys = _parsed_keys(str(path), text)
    return _kind_of_keys(keys)


def is_terraform(path: Path) -> bool:
    """True when PATH is Terraform's JSON (a plan, a state, a state file; or JSON that is no
    blueprint, which the Terraform reader refuses saying what it expected), or a folder holding
    Terraform plans or states: recognised by content, never by name."""
    from .terraform.detect import is_terraform as holds_terraform

    return holds_terraform(path)


def is_manifests(path: Path) -> bool:
    """True when PATH holds Kubernetes/Istio manifests, False for a blueprint (or anything the
    blueprint loader should report on).

    Every file counts, not the first one found: a folder whose blueprint files (outside its
    `variants/` and `manifests/` folders) are accompanied by manifests, or whose manifests are
    accompanied by blueprint files, raises `InputError` naming which files are which.
    """
    from .terraform.detect import terraform_files

    # Terraform's JSON is recognised by its first bytes: never parsed here (a plan can be 100 MB)
    terraform = set(terraform_files(path, foreign=False))
    if terraform and not path.is_dir():
        return False
    listing = list_files(path, _BLUEPRINT_SUFFIXES, skip_folders=_NOT_BLUEPRINT)
    kinds = {file: classify(file) for file in listing.files}
    if path.is_dir():
        blueprint = [f for f, kind in kinds.items() if kind == "blueprint"]
        if blueprint:
            _refuse_mixed(path, blueprint, [f for f, kind in kinds.items() if kind == "manifests"])
            return False
        for file in list_files(path, _MANIFEST_SUFFIXES).files:
            if file not in kinds and file not in terraform:
                kinds[file] = classify(file)
        manifests = [f for f, kind in kinds.items() if kind == "manifests"]
        if manifests:
            _refuse_mixed(path, [f for f, kind in kinds.items() if kind == "blueprint"], manifests)
            return True
        return False
    return any(kind == "manifests" for kind in kinds.values())


def _refuse_mixed(path: Path, blueprint: list[Path], manifests: list[Path]) -> None:
    if not blueprint or not manifests:
        return
    problems = [
        Problem(
            f"{path} holds both blueprint files and Kubernetes manifests (expected one or the "
            "other: a blueprint names its clusters' manifest folders in `manifests:`, a "
            "manifests folder holds Kubernetes objects only)",
            file=str(path),
            code="mixed-input",
        ),
        *(
            Problem("a blueprint file (top-level blueprint sections)", file=str(f), severity="info")
            for f in sorted(blueprint)
        ),
        *(
            Problem(
                "Kubernetes manifests (top-level apiVersion and kind)",
                file=str(f),
                severity="info",
            )
            for f in sorted(manifests)
        ),
    ]
    raise InputError(problems, summary=f"{path}: blueprint files and manifests mixed")
