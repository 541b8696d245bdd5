"""Traces say what happened: a rule named once, DELIVER on the destination's hop, a shadowed
route's note stating the rule GCP applies."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossfence import build_topology, load, reach

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "eu-sovereign"
VARIANTS = sorted(p.name for p in (EXAMPLE / "variants").iterdir() if p.is_dir())
FLOWS = [
    ("frontend", "customer-db", "tcp/5432"),
    ("customer-api", "vault", "tcp/8200"),
    ("dlp-client", "restricted-googleapis", "tcp/443"),
    ("internet", "scw-edge", "tcp/443"),
    ("backup", "hsm", "tcp/8443"),
]


@pytest.mark.parametrize("variant", [None, *VARIANTS])
def test_no_rule_is_named_twice_and_deliver_closes_the_destination_hop(
    variant: str | None,
) -> None:
    topology = build_topology(load(EXAMPLE / "variants" / variant if variant else EXAMPLE))
    for source, destination, port in FLOWS:
        answer = reach(topology, source, destination, port)
        text = str(answer.to_json())
        assert "rule rule" not in text
        for hop in answer.hops:
            if any(step.action == "DELIVER" for step in hop.steps):
                assert not hop.node.endswith("(reply)"), (source, destination, hop.node)


def test_a_described_rule_reads_with_its_number_and_description() -> None:
    answer = reach(build_topology(load(EXAMPLE)), "frontend", "customer-db", "tcp/5432")
    step = next(s for h in answer.hops for s in h.steps if s.action == "APPLY_ACL")
    assert 'denied by rule 3 ("nothing else reaches the database, from any network")' in step.detail


def test_a_shadowed_route_says_which_rule_gcp_applies() -> None:
    """overlapping-cidr: spoke-prod learns 10.10.0.0/22 from Scaleway through the hub, but its
    own subnet 10.10.0.0/20 comes first."""
    variant = EXAMPLE / "variants" / "overlapping-cidr"
    answer = reach(build_topology(load(variant)), "vault", "10.10.0.50", "tcp/443")
    notes = [s.detail for h in answer.hops for s in h.steps if s.action == "SHADOWED_ROUTE"]
    assert notes, [s.action for h in answer.hops for s in h.steps]
    assert all("subnet routes come first" in note for note in notes)
