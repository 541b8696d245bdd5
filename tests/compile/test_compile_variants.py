"""A variant compiles to what the base example compiles to, but for its one mistake."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest

from crossfence import load
from crossfence.compile import compile_blueprint

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "eu-sovereign"
TARGETS = ("kubernetes", "istio", "envoy")


def _bodies(path: Path) -> dict[str, str]:
    """Each file without its header (the origins' line numbers move with the variant's edit)."""
    return {p: f.body for p, f in compile_blueprint(load(path), TARGETS).files.items()}


def _changed(variant: str) -> dict[str, tuple[list[str], list[str]]]:
    """Per file that differs: the lines the variant removes and adds (a line diff)."""
    base, other = _bodies(EXAMPLE), _bodies(EXAMPLE / "variants" / variant)
    assert sorted(base) == sorted(other)
    out = {}
    for path in base:
        if base[path] != other[path]:
            lines = list(difflib.ndiff(base[path].splitlines(), other[path].splitlines()))
            out[path] = (
                [line[2:] for line in lines if line.startswith("- ")],
                [line[2:] for line in lines if line.startswith("+ ")],
            )
    return out


def test_edge_open_is_the_acl_rule_that_admits_everyone() -> None:
    (path,) = _changed("edge-open")
    assert path == "envoy/scw-edge/envoy.yaml"
    removed, added = _changed("edge-open")[path]
    assert 'address_prefix: "0.0.0.0"' in "\n".join(added)
    assert "acl-0-allow-any:" in "\n".join(added)
    # the front ends' rule only moves to second place
    assert [line.strip() for line in removed] == ["acl-0-google-front-ends:"]


def test_mtls_permissive_is_the_global_namespaces_mode() -> None:
    changed = _changed("mtls-permissive")
    assert sorted(changed) == [
        "istio/gke-prod/peer-authentications.yaml",
        "istio/kapsule-eu/peer-authentications.yaml",
    ]
    for removed, added in changed.values():
        assert (removed, added) == (["    mode: STRICT"], ["    mode: PERMISSIVE"])


@pytest.mark.parametrize("variant", ["single-tunnel", "default-advertisement", "backup-plaintext"])
def test_a_network_mistake_changes_no_manifest(variant: str) -> None:
    assert _changed(variant) == {}


def _terraform_changed(variant: str) -> dict[str, tuple[list[str], list[str]]]:
    def bodies(path: Path) -> dict[str, str]:
        return {p: f.body for p, f in compile_blueprint(load(path), ["terraform"]).files.items()}

    base, other = bodies(EXAMPLE), bodies(EXAMPLE / "variants" / variant)
    out = {}
    for path in base:
        # the body is one JSON line: compare it indented
        one = json.dumps(json.loads(base[path]), indent=1).splitlines()
        two = json.dumps(json.loads(other[path]), indent=1).splitlines()
        if one != two:
            lines = list(difflib.ndiff(one, two))
            out[path] = (
                [line[2:].strip() for line in lines if line.startswith("- ")],
                [line[2:].strip() for line in lines if line.startswith("+ ")],
            )
    return out


def test_edge_open_in_terraform_is_the_load_balancers_acl() -> None:
    """The Scaleway load balancer gains the ACL that admits everyone, first; the front ends' ACL
    and the last deny only move down one place."""
    changed = _terraform_changed("edge-open")
    assert list(changed) == ["terraform/scaleway/main.tf.json"]
    removed, added = changed["terraform/scaleway/main.tf.json"]
    assert '"scw-edge-allow-any": {' in added and '"0.0.0.0/0"' in added
    assert sorted(removed) == ['"index": 0,', '"index": 1,']


def test_default_advertisement_in_terraform_is_the_cloud_routers_mode() -> None:
    changed = _terraform_changed("default-advertisement")
    assert list(changed) == ["terraform/gcp/main.tf.json"]
    removed, added = changed["terraform/gcp/main.tf.json"]
    assert any('"advertise_mode": "DEFAULT"' in line for line in added)
    assert any('"advertise_mode": "CUSTOM"' in line for line in removed)
