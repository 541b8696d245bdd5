"""`reach` and `matrix` on a blueprint (every layer) and on a folder of Kubernetes manifests."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from crossfence.cli import app

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "eu-sovereign"
runner = CliRunner()

MANIFESTS = """\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default, labels: {app: web}}
spec: {containers: [{name: c, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: default, labels: {app: db}}
spec: {containers: [{name: c, ports: [{containerPort: 5432}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: default}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: 5432}]}]
"""


def test_reach_on_the_blueprint_names_the_denying_layer() -> None:
    result = runner.invoke(
        app,
        [
            "reach",
            str(EXAMPLE),
            "--from",
            "frontend",
            "--to",
            "customer-db",
            "--port",
            "tcp/5432",
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["verdict"] == "denied" and data["disposition"] == "DENIED_EGRESS_NETPOL"


def test_reach_with_http_method_and_path() -> None:
    result = runner.invoke(
        app,
        [
            "reach",
            str(EXAMPLE),
            "--from",
            "frontend",
            "--to",
            "customer-api",
            "--port",
            "tcp/8443",
            "--method",
            "GET",
            "--path",
            "/api/orders",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "MESH_AUTHORIZATION" in result.stdout


def test_manifest_folder_matrix_json(tmp_path: Path) -> None:
    (tmp_path / "all.yaml").write_text(MANIFESTS)
    result = runner.invoke(app, ["matrix", str(tmp_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    pairs = {(c["from"], c["to"]): c["allowed"] for c in data["connections"]}
    assert pairs[("default/web", "default/db")] == ["TCP/5432"]
    assert ("default/db", "default/db") not in pairs
    assert "0.0.0.0/0" in data["endpoints"]


def test_manifest_folder_reach_layered_trace(tmp_path: Path) -> None:
    (tmp_path / "all.yaml").write_text(MANIFESTS)
    denied = runner.invoke(
        app,
        [
            "reach",
            str(tmp_path),
            "--from",
            "default/db",
            "--to",
            "default/db",
            "--port",
            "tcp/5432",
            "-f",
            "json",
        ],
    )
    assert denied.exit_code == 1
    assert json.loads(denied.stdout)["disposition"] == "DENIED_INGRESS_NETPOL"
    allowed = runner.invoke(
        app,
        [
            "reach",
            str(tmp_path),
            "--from",
            "default/web",
            "--to",
            "default/db",
            "--port",
            "tcp/5432",
        ],
    )
    assert allowed.exit_code == 0
    assert "INGRESS_NETPOL_ALLOW" in allowed.stdout


def test_manifest_folder_bad_object_is_located_exit_2(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        MANIFESTS.replace("ports: [{port: 5432}]", "ports: [{port: 70000}]")
    )
    result = runner.invoke(app, ["matrix", str(tmp_path)])
    assert result.exit_code == 2
    assert "bad.yaml:" in result.output and "Traceback" not in result.output


def test_manifest_folder_matrix_text_with_no_allowed_pair(tmp_path: Path) -> None:
    """A folder whose policies allow nothing (here: no pods at all, only ranges) says so in one
    line instead of an empty table."""
    (tmp_path / "policy.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        "metadata: {name: deny, namespace: web}\nspec:\n  podSelector: {}\n"
        "  ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/1}}]}]\n"
    )
    result = runner.invoke(app, ["matrix", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (
        result.stdout.strip()
        == "Connectivity (2 endpoints, NetworkPolicy): no pair of endpoints allows anything"
    )
