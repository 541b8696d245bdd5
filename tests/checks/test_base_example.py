"""The reference example: every check runs, nothing high or critical, every intent holds."""

from __future__ import annotations

from crossfence.checks import REGISTRY, Report, run_checks
from crossfence.model import Blueprint


def test_no_active_finding(base_report: Report) -> None:
    assert base_report.findings == []
    assert not base_report.failing("high")


def test_every_registered_check_ran(base_report: Report) -> None:
    assert [c.id for c in base_report.checks] == list(REGISTRY)


def test_the_one_accepted_finding_is_reported_as_suppressed(base_report: Report) -> None:
    [finding] = base_report.suppressed
    assert finding.check.id == "network.personal-data-store-shares-private-network"
    assert finding.severity == "medium"
    assert [o.name for o in finding.objects] == ["customer-db", "scw-vpc/pn-data", "scw-dns"]
    assert finding.suppression is not None and "scw-dns" in finding.suppression.reason


def test_every_intent_holds(base: Blueprint) -> None:
    report = run_checks(base)
    assert not [f for f in report.findings + report.suppressed if f.check.family == "intents"]
    assert len(base.intents) == 10


def test_skip_by_id_and_by_family(base: Blueprint) -> None:
    report = run_checks(base, skip=["network", "mesh.mtls-not-strict"])
    ran = {c.id for c in report.checks}
    assert not any(i.startswith("network.") for i in ran)
    assert "mesh.mtls-not-strict" not in ran and "mesh.policy-contradicted-by-network" in ran
    assert report.suppressed == []


def test_checks_are_well_formed() -> None:
    for check in REGISTRY.values():
        assert check.family in {
            "sovereignty",
            "network",
            "zerotrust",
            "keys",
            "dlp",
            "backup",
            "identity",
            "kubernetes",
            "mesh",
            "intents",
        }
        assert check.title and check.why and check.fix
        assert check.doc == f"docs/checks.md#{check.id.replace('.', '')}"
