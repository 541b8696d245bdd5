"""`diff` between the reference example and each variant names the flows and the finding the mistake changes."""

from __future__ import annotations

import pytest

from crossfence import load
from crossfence.checks.diff import BlueprintDiff, diff
from crossfence.model import Blueprint

from .conftest import EXAMPLE
from .test_variants import SEEDED, _seeded

# (from, to) -> "added" or "removed": flows each mistake must change, through every layer
# (frontend's egress NetworkPolicy keeps it from scw-dns whatever the routes)
CHANGED: dict[str, dict[tuple[str, str], str]] = {
    "peering-no-export": {("frontend", "customer-api"): "removed"},
    "default-advertisement": {
        ("frontend", "customer-api"): "removed",
        ("dlp-client", "restricted-googleapis"): "removed",
        ("backup", "restricted-googleapis"): "removed",
        ("cloud-dns-forwarders", "scw-dns"): "removed",
    },
    "edge-open": {("internet", "scw-edge"): "added"},
    "db-in-gcp": {
        ("customer-db", "restricted-googleapis"): "added",
        ("backup", "customer-db"): "removed",
    },
    "no-private-api-route": {
        ("dlp-client", "restricted-googleapis"): "removed",
        ("backup", "restricted-googleapis"): "removed",
    },
    "dns-range-not-advertised": {("cloud-dns-forwarders", "scw-dns"): "removed"},
    "eastwest-blocked": {("frontend", "customer-api"): "removed"},
    "managed-db-other-network": {("customer-api", "customer-db"): "removed"},
    "vm-public-ip-open": {("internet", "customer-db"): "added"},
}
# Mistakes that change no flow at network level: redundancy, encryption, identity, the mesh.
UNCHANGED = {
    "single-tunnel",
    "backup-plaintext",
    "mtls-permissive",
    "deployer-any-sa",
    "no-peer-ip-restriction",
}
# overlapping-cidr: the engine answers scw-edge (10.10.0.50) -> frontend as delivered, though the
# reply's route in spoke-prod is the local prod-nodes subnet, which never leads back to scw-vpc; its
# flow changes are asserted once the return-path check follows the reply to the source's network.


@pytest.fixture(scope="module")
def base() -> Blueprint:
    return load(EXAMPLE)


def _diff(base: Blueprint, name: str) -> BlueprintDiff:
    return diff(base, load(EXAMPLE / "variants" / name))


@pytest.mark.parametrize("name", _seeded())
def test_diff_names_the_flows_and_the_finding(base: Blueprint, name: str) -> None:
    result = _diff(base, name)
    assert [f.check.id for f in result.findings_added] == [SEEDED[name][0]]
    assert result.findings_removed == []
    assert result.endpoints_added == result.endpoints_removed == []
    changes = {(c.source, c.destination): c for c in result.flows}
    if name in UNCHANGED:
        assert changes == {}
    for pair, way in CHANGED.get(name, {}).items():
        assert pair in changes, f"{name}: {pair} not in the diff"
        # outright, or for some requests (frontend → customer-api is GET/POST on /api/* only)
        change = changes[pair]
        assert getattr(change, way) or getattr(change, f"{way}_if"), (
            f"{name}: {pair} has nothing {way}"
        )


def test_every_variant_is_classified() -> None:
    assert set(CHANGED) | UNCHANGED | {"overlapping-cidr"} == set(SEEDED)


def test_diff_against_itself_is_empty(base: Blueprint) -> None:
    assert diff(base, base).empty


def test_packed_comparison_equals_the_pairwise_one() -> None:
    """The fast engine's arrays compared as arrays give the pairs compared one by one."""
    from pathlib import Path

    import crossfence
    from crossfence.checks.diff import _changed

    example = Path(__file__).resolve().parents[2] / "examples" / "eu-sovereign"
    old = crossfence.connectivity(crossfence.build_topology(crossfence.load(example)))
    new = crossfence.connectivity(
        crossfence.build_topology(crossfence.load(example / "variants" / "edge-open"))
    )
    names = set(old.endpoints), set(new.endpoints)
    packed = _changed(old, new, *names)
    assert packed, "the variant opens a flow"
    _ = old.connections, new.connections  # unpacked: the pair-by-pair comparison
    assert _changed(old, new, *names) == packed


def test_compare_counts_a_new_endpoints_flows() -> None:
    """A pair with an endpoint only the new version has is a flow of its own, all added (what
    `diff` on blueprints has always said; kept by the comparison of analysed estates)."""
    from crossfence.algebra.packets import ServiceSet
    from crossfence.checks.diff import compare
    from crossfence.engine.matrix import Matrix

    tcp = ServiceSet.from_strings(["tcp/443"])
    old = Matrix(["a", "b"], {("a", "b"): tcp})
    new = Matrix(["a", "b", "c"], {("a", "b"): tcp, ("a", "c"): tcp})
    result = compare("old", "new", (old, []), (new, []))
    assert result.endpoints_added == ["c"]
    assert [(f.source, f.destination, f.added) for f in result.flows] == [("a", "c", ["TCP/443"])]


def test_two_processes_give_the_same_diff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Large estates are analysed in two processes: the same answer as one."""
    from pathlib import Path

    import crossfence
    from crossfence.checks import diff as diff_module

    example = Path(__file__).resolve().parents[2] / "examples" / "eu-sovereign"
    old, new = crossfence.load(example), crossfence.load(example / "variants" / "edge-open")
    alone = diff_module.diff(old, new).to_json()
    from crossfence.checks import sides

    monkeypatch.setattr(sides, "PARALLEL_FROM", 0)
    assert diff_module.diff(old, new).to_json() == alone
