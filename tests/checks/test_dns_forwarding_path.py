"""Cloud DNS's standard routing (`forwarding_path: default`) sends queries to RFC 1918 targets through the VPC, from 35.199.192.0/19, as private routing does: the return-route check covers both.

The Cloud DNS API reference (https://cloud.google.com/dns/docs/reference/v1/managedZones,
`forwardingPath`): "If unset or set to DEFAULT, Cloud DNS makes forwarding decisions based on IP
address ranges; that is, RFC1918 addresses go to the VPC network, non-RFC1918 addresses go to
the internet. When set to PRIVATE, Cloud DNS always sends queries through the VPC network for
this target." The check used to skip `default` targets, so a private resolver under standard
routing whose answers cannot come back went unreported.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crossfence import load
from crossfence.checks import run_checks

from .conftest import EXAMPLE

CHECK = "network.dns-forwarding-range-not-advertised"


def _ids(folder: Path) -> list[str]:
    return [f.check.id for f in run_checks(load(folder)).findings if f.check.id == CHECK]


@pytest.mark.parametrize("path", ["private", "default"])
def test_an_rfc1918_target_is_checked_under_either_routing(tmp_path: Path, path: str) -> None:
    # the variant names its clusters' manifests as ../../manifests
    shutil.copytree(EXAMPLE / "manifests", tmp_path / "manifests")
    folder = tmp_path / "variants" / "estate"
    shutil.copytree(EXAMPLE / "variants" / "dns-range-not-advertised", folder)
    dns = folder / "dns.yaml"
    text = dns.read_text("utf-8")
    assert "forwarding_path: private" in text
    dns.write_text(text.replace("forwarding_path: private", f"forwarding_path: {path}"), "utf-8")
    assert _ids(folder) == [CHECK]


def test_the_example_under_standard_routing_has_no_finding(tmp_path: Path) -> None:
    folder = tmp_path / "estate"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("variants", "terraform"))
    dns = folder / "dns.yaml"
    dns.write_text(
        dns.read_text("utf-8").replace("forwarding_path: private", "forwarding_path: default"),
        "utf-8",
    )
    assert _ids(folder) == []
