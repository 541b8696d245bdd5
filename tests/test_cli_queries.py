"""`reach` questions that cannot be asked are located usage errors (exit 2), never a traceback nor a verdict.

A name the blueprint does not have gets its did-you-mean whatever the source is (a pod workload
used to raise AddressValueError where a VM got exit 2), an IPv6 address says IPv6 is not
supported yet, a range says one address is expected (a manifests folder used to answer for the
range's first address: ALLOWED for 10.0.0.0/8 when a policy allowed only 10.0.0.0/32), and a
port is one port written in ASCII digits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from crossfence.algebra.addresses import query_address
from crossfence.cli import app

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "eu-sovereign"
IPV6 = "is an IPv6 address: IPv6 is not supported yet (expected an IPv4 address)"

runner = CliRunner()


def _run(*args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def _usage_error(result: Any, message: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.stdout == ""
    assert " ".join(result.stderr.split()).startswith(f"error: {message}"), result.stderr


@pytest.mark.parametrize("source", ["frontend", "vault"], ids=["pod-workload", "vm"])
@pytest.mark.parametrize(
    ("destination", "message"),
    [
        (
            "customer-apii",
            "--to 'customer-apii' is not an endpoint of the blueprint (expected a workload, a "
            "load balancer, 'internet' or an IPv4 address; did you mean 'customer-api'?)",
        ),
        ("2001:db8::1", f"--to '2001:db8::1' {IPV6}"),
        ("fd00::/8", f"--to 'fd00::/8' {IPV6}"),
        (
            "10.0.0.0/24",
            "--to '10.0.0.0/24' is a range of addresses (expected one IPv4 address, e.g. "
            "10.0.0.0, a workload or a load balancer)",
        ),
        (
            "10.0.0.999",
            "--to '10.0.0.999' is not a valid IPv4 address (expected four numbers 0-255, e.g. "
            "10.0.0.5)",
        ),
    ],
)
def test_a_destination_that_is_no_endpoint(source: str, destination: str, message: str) -> None:
    _usage_error(
        _run("reach", EXAMPLE, "--from", source, "--to", destination, "-p", "tcp/8443"), message
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("frontendd", "--from 'frontendd' is not an endpoint of the blueprint"),
        ("2001:db8::1", f"--from '2001:db8::1' {IPV6}"),
        ("10.12.0.0/16", "--from '10.12.0.0/16' is a range of addresses"),
    ],
)
def test_a_source_that_is_no_endpoint_towards_a_pod(source: str, message: str) -> None:
    _usage_error(
        _run("reach", EXAMPLE, "--from", source, "--to", "customer-api", "-p", "tcp/8443"), message
    )


@pytest.mark.parametrize("source", ["frontend", "vault"], ids=["pod-workload", "vm"])
@pytest.mark.parametrize(
    ("port", "message"),
    [
        ("tcp/4_43", "--port 'tcp/4_43' is not a port or port range"),
        ("tcp/+443", "--port 'tcp/+443' is not a port or port range"),
        ("tcp/٤٤٣", "--port 'tcp/٤٤٣' is not a port or port range"),
        ("tcp/443-", "--port 'tcp/443-' is not a port or port range"),
        ("tcp/80-90", "--port 'tcp/80-90' is not one port (expected e.g. 'tcp/443')"),
        ("tcp/0", "--port 'tcp/0': port 0 is out of range (expected 1-65535)"),
        ("443", "--port '443' is ambiguous"),
        ("http/80", "--port 'http/80' has unknown protocol 'http'"),
        ("icmp/8", "--port 'icmp/8': icmp has no ports"),
        ("all", "--port 'all' is not one port"),
    ],
)
def test_port_forms(source: str, port: str, message: str) -> None:
    _usage_error(
        _run("reach", EXAMPLE, "--from", source, "--to", "customer-api", "-p", port), message
    )


CLUSTER = """\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
status: {podIP: 10.1.0.1}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-egress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Egress]
  egress:
  - to: [{ipBlock: {cidr: 10.0.0.0/32}}]
"""


def test_manifests_refuse_a_range_instead_of_answering_for_its_first_address(
    tmp_path: Path,
) -> None:
    """https://kubernetes.io/docs/concepts/services-networking/network-policies/: an ipBlock
    allows the addresses of its CIDR; 10.0.0.0/32 is one of the /8's sixteen million."""
    (tmp_path / "cluster.yaml").write_text(CLUSTER, encoding="utf-8")
    allowed = _run("reach", tmp_path, "--from", "shop/web", "--to", "10.0.0.0", "-p", "tcp/443")
    assert allowed.exit_code == 0
    _usage_error(
        _run("reach", tmp_path, "--from", "shop/web", "--to", "10.0.0.0/8", "-p", "tcp/443"),
        "'10.0.0.0/8' is a range of addresses",
    )
    _usage_error(
        _run("reach", tmp_path, "--from", "shop/web", "--to", "::ffff:10.0.0.0", "-p", "tcp/443"),
        f"'::ffff:10.0.0.0' {IPV6}",
    )
    _usage_error(
        _run("reach", tmp_path, "--from", "shop/webb", "--to", "10.0.0.0", "-p", "tcp/443"),
        "'shop/webb' is neither a pod nor an address (expected namespace/name or an IPv4 "
        "address; did you mean 'shop/web'?)",
    )


def test_query_address() -> None:
    assert query_address("10.0.0.5") == 0x0A000005
    assert query_address("frontend") is None
    assert query_address("web/frontend-0") is None
    for value in ("2001:db8::1", "::1", "fe80::/64"):
        with pytest.raises(ValueError, match="IPv6 is not supported yet"):
            query_address(value)
    with pytest.raises(ValueError, match="is a range of addresses"):
        query_address("10.0.0.0/24")
    with pytest.raises(ValueError, match="is not a valid IPv4 address"):
        query_address("10.0.0.256")
