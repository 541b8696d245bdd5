"""`validate`, `check` and `diff` on a folder of Kubernetes/Istio manifests, treated as one cluster."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from crossfence.cli import app

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "eu-sovereign"
GKE_PROD = EXAMPLE / "manifests" / "gke-prod"
SARIF_SCHEMA = Path(__file__).resolve().parent / "fixtures" / "sarif-schema-2.1.0.json"

runner = CliRunner()

# The pods the blueprint places in gke-prod, as a folder of manifests would declare them.
WORKLOADS = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: frontend, namespace: web}
spec:
  replicas: 2
  template:
    metadata: {labels: {app: frontend}}
    spec:
      containers: [{name: web, ports: [{containerPort: 8080, name: http}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: gitlab-runner, namespace: ci}
spec:
  template:
    metadata: {labels: {app: gitlab-runner}}
    spec:
      containers: [{name: runner}]
"""

ALLOW_ALL = """\
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: allow-all, namespace: web}
spec:
  rules:
  - {}
"""

TOOLS = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: debug, namespace: tools}
spec:
  template:
    metadata: {labels: {app: debug}}
    spec:
      containers: [{name: shell}]
"""


def _run(*args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def _flat(result: Any) -> str:
    """The output with Rich's line wrapping undone (long temporary paths wrap)."""
    return " ".join(result.output.split())


def _cluster(tmp_path: Path, name: str, *extra: tuple[str, str]) -> Path:
    """A copy of gke-prod's manifests with its pods, plus extra files (name, text)."""
    folder = tmp_path / name
    shutil.copytree(GKE_PROD, folder)
    (folder / "workloads.yaml").write_text(WORKLOADS, encoding="utf-8")
    for file, text in extra:
        (folder / file).write_text(text, encoding="utf-8")
    return folder


# -- validate ------------------------------------------------------------------------------------


def test_validate_a_manifests_folder_prints_its_summary() -> None:
    result = _run("validate", GKE_PROD)
    assert result.exit_code == 0, result.output
    assert "YAML syntax error" not in result.output
    assert "gke-prod — Kubernetes/Istio manifests" in result.output
    assert "2 namespaces, 0 pods, 0 services, 4 NetworkPolicies" in result.output
    assert f"valid: {GKE_PROD}" in result.output


def test_validate_json_of_a_manifests_folder(tmp_path: Path) -> None:
    folder = _cluster(
        tmp_path,
        "cluster",
        (
            "config.yaml",
            "kind: ConfigMap\napiVersion: v1\nmetadata: {name: settings, namespace: web}\n",
        ),
    )
    result = _run("validate", "--format", "json", folder)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) == {"schema_version", "valid", "kind", "problems", "summary"}
    assert payload["valid"] is True and payload["kind"] == "manifests"
    summary = payload["summary"]
    assert summary["name"] == "cluster"
    assert summary["counts"] == {
        "namespaces": 2,
        "pods": 3,
        "services": 0,
        "network_policies": 4,
        "authorization_policies": 0,
        "peer_authentications": 0,
        "skipped": 1,
    }
    assert summary["skipped_kinds"] == {"ConfigMap": 1}
    web = next(row for row in summary["namespaces"] if row["name"] == "web")
    assert web == {
        "name": "web",
        "declared": False,
        "pods": 2,
        "services": 0,
        "network_policies": 3,
        "authorization_policies": 0,
        "peer_authentications": 0,
    }
    [warning] = payload["problems"]
    assert warning["severity"] == "warning" and warning["file"].endswith("config.yaml")
    assert warning["line"] == 1 and "ConfigMap" in warning["message"]


def test_validate_prints_warnings_and_skipped_kinds(tmp_path: Path) -> None:
    folder = _cluster(
        tmp_path,
        "cluster",
        (
            "config.yaml",
            "kind: ConfigMap\napiVersion: v1\nmetadata: {name: settings, namespace: web}\n",
        ),
    )
    result = _run("validate", folder)
    assert result.exit_code == 0
    assert "config.yaml:1:1: kind ConfigMap is not analysed; skipped" in result.output
    assert "not analysed (skipped): 1 ConfigMap" in result.output
    assert "1 warning(s)" in result.output


def test_validate_prints_every_located_error_and_exits_2(tmp_path: Path) -> None:
    folder = _cluster(
        tmp_path, "cluster", ("workloads.yaml", WORKLOADS.replace("replicas: 2", "replicas: two"))
    )
    ci = folder / "ci.yaml"
    ci.write_text(ci.read_text("utf-8").replace("port: 8200", "port: 82000"), "utf-8")
    result = _run("validate", folder)
    assert result.exit_code == 2
    output = _flat(result)
    assert f"error: {ci}:16:" in output and "82000" in output
    assert f"error: {folder / 'workloads.yaml'}:5:13: spec.replicas: 'two'" in output
    assert "2 errors; nothing was done." in output
    assert "Traceback" not in result.output
    payload = json.loads(_run("validate", "-f", "json", folder).stdout)
    assert payload["valid"] is False
    assert [(p["file"], p["line"]) for p in payload["problems"]] == [
        (str(ci), 16),
        (str(folder / "workloads.yaml"), 5),
    ]


# -- check ---------------------------------------------------------------------------------------


def test_check_the_example_manifests_finds_nothing() -> None:
    result = _run("check", GKE_PROD)
    assert result.exit_code == 0, result.output
    assert f"gke-prod ({GKE_PROD}): 0 findings, 0 suppressed; 4 checks" in result.output
    assert "no finding" in result.output


def test_check_a_high_finding_exits_1_with_its_location(tmp_path: Path) -> None:
    folder = _cluster(tmp_path, "cluster", ("mesh.yaml", ALLOW_ALL))
    result = _run("check", folder)
    assert result.exit_code == 1
    output = _flat(result)
    assert f"cluster ({folder}): 1 finding (1 high), 0 suppressed; 4 checks" in output
    assert "mesh.authorization-allows-all" in output
    assert f"AuthorizationPolicy/web/allow-all ({folder / 'mesh.yaml'}:1)" in output
    assert "doc: docs/checks.md#meshauthorization-allows-all" in output


@pytest.mark.parametrize(
    ("args", "code"),
    [((), 0), (("--fail-on", "medium"), 1), (("--fail-on", "none"), 0)],
)
def test_check_fail_on_with_a_medium_finding(
    tmp_path: Path, args: tuple[str, ...], code: int
) -> None:
    folder = _cluster(tmp_path, "cluster", ("tools.yaml", TOOLS))
    result = _run("check", folder, *args)
    assert result.exit_code == code
    assert "kubernetes.pods-not-isolated" in result.output


def test_check_skip_and_bad_input(tmp_path: Path) -> None:
    folder = _cluster(tmp_path, "cluster", ("mesh.yaml", ALLOW_ALL))
    assert _run("check", folder, "--skip", "mesh").exit_code == 0
    assert _run("check", folder, "--skip", "mesh.authorization-allows-all").exit_code == 0
    result = _run("check", folder, "--skip", "mesh.allows-all")
    assert result.exit_code == 2 and "is not a check id or family" in result.output
    (folder / "web.yaml").write_text(
        (folder / "web.yaml").read_text("utf-8").replace("port: 15443", "port: 99999"), "utf-8"
    )
    result = _run("check", folder)
    assert result.exit_code == 2 and f"{folder / 'web.yaml'}:" in result.output


def test_check_json(tmp_path: Path) -> None:
    folder = _cluster(tmp_path, "cluster", ("mesh.yaml", ALLOW_ALL), ("tools.yaml", TOOLS))
    result = _run("check", folder, "--format", "json", "--skip", "network")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert (data["blueprint"], data["path"]) == ("cluster", str(folder))
    assert data["summary"] == {
        "checks": 4,
        "critical": 0,
        "high": 1,
        "medium": 1,
        "low": 0,
        "info": 0,
        "suppressed": 0,
    }
    assert [c["id"] for c in data["checks"]] == [
        "kubernetes.pods-not-isolated",
        "mesh.peer-authentication-not-strict",
        "mesh.authorization-allows-all",
        "mesh.authorization-http-rule-on-tcp-port",
    ]
    assert data["skipped"] == ["network"] and data["suppressed"] == []
    high, medium = data["findings"]
    assert high["check"] == "mesh.authorization-allows-all"
    assert medium["objects"][1] == {
        "kind": "Deployment",
        "name": "tools/debug",
        "file": str(folder / "tools.yaml"),
        "line": 1,
    }


def test_check_sarif_validates_and_points_at_the_manifest(tmp_path: Path) -> None:
    folder = _cluster(tmp_path, "cluster", ("mesh.yaml", ALLOW_ALL))
    result = _run("check", folder, "--format", "sarif")
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)
    validator(schema, format_checker=validator.FORMAT_CHECKER).validate(log)
    [run] = log["runs"]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]][2] == "mesh.authorization-allows-all"
    [finding] = run["results"]
    location = finding["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == (folder / "mesh.yaml").as_uri()
    assert location["region"]["startLine"] == 1


def test_check_junit_and_markdown(tmp_path: Path) -> None:
    folder = _cluster(tmp_path, "cluster", ("mesh.yaml", ALLOW_ALL))
    root = ET.fromstring(_run("check", folder, "--format", "junit").stdout)
    failed = [c.get("name") for c in root.iter("testcase") if c.find("failure") is not None]
    assert failed == ["mesh.authorization-allows-all"]
    text = _run("check", folder, "--format", "markdown").stdout
    assert "### crossfence check: cluster" in text
    assert f"`{folder / 'mesh.yaml'}:1`" in text


# -- diff ----------------------------------------------------------------------------------------


def test_diff_of_manifests_names_the_changed_flow(tmp_path: Path) -> None:
    old = _cluster(tmp_path, "old")
    new = _cluster(tmp_path, "new")
    web = new / "web.yaml"
    web.write_text(
        web.read_text("utf-8").replace("{cidr: 172.16.0.100/32}", "{cidr: 172.16.0.0/22}"),
        "utf-8",
    )
    result = _run("diff", old, new)
    assert result.exit_code == 1, result.output  # a flow opens
    output = _flat(result)
    assert f"{old} → {new}" in output
    for pod in ("web/frontend-0", "web/frontend-1"):
        assert f"+ allowed {pod} → 172.16.0.0/22 except 172.16.0.100/32 TCP/15443" in output
    assert "Findings" not in output
    assert _run("diff", new, old).exit_code == 0  # it closes
    back = json.loads(_run("diff", new, old, "--format", "json").stdout)
    assert set(back) == {"schema_version", "old", "new", "endpoints", "flows", "findings"}
    assert back["endpoints"] == {"added": [], "removed": []}
    assert back["flows"][0] == {
        "from": "web/frontend-0",
        "to": "172.16.0.0/22 except 172.16.0.100/32",
        "added": [],
        "removed": ["TCP/15443"],
        "before": ["TCP/15443"],
        "after": [],
        "added_if": [],
        "removed_if": [],
    }
    assert back["findings"] == {"added": [], "removed": []}


def test_diff_of_the_example_manifests_and_a_copy_with_a_new_namespace(tmp_path: Path) -> None:
    new = tmp_path / "gke-prod"
    shutil.copytree(GKE_PROD, new)
    (new / "tools.yaml").write_text(TOOLS, encoding="utf-8")
    data = json.loads(_run("diff", GKE_PROD, new, "-f", "json").stdout)
    assert data["endpoints"] == {"added": ["tools/debug-0"], "removed": []}
    [finding] = data["findings"]["added"]
    assert finding["check"] == "kubernetes.pods-not-isolated"
    assert "namespace tools" in finding["message"]
    result = _run("diff", GKE_PROD, new)
    assert "+ endpoint tools/debug-0" in result.output
    assert "+ medium kubernetes.pods-not-isolated" in result.output


def test_diff_pod_to_pod_flows(tmp_path: Path) -> None:
    """Opening ci to every pod of the cluster adds the flows from web's pods, whose egress is
    already restricted only to the gateway and DNS: nothing from web, everything from outside."""
    old = _cluster(tmp_path, "old")
    new = _cluster(tmp_path, "new")
    (new / "ci.yaml").unlink()
    data = json.loads(_run("diff", old, new, "-f", "json").stdout)
    pairs = {(f["from"], f["to"]) for f in data["flows"]}
    assert ("0.0.0.0/0", "ci/gitlab-runner-0") in pairs
    assert not any(source.startswith("web/") for source, _ in pairs)
    [finding] = data["findings"]["added"]
    assert finding["check"] == "kubernetes.pods-not-isolated"


def test_diff_of_a_manifests_folder_with_itself_is_empty() -> None:
    result = _run("diff", GKE_PROD, GKE_PROD)
    assert result.exit_code == 0
    assert "no change in connectivity or findings" in result.output


def test_diff_a_blueprint_and_a_manifests_folder_is_a_usage_error() -> None:
    for args in ((EXAMPLE, GKE_PROD), (GKE_PROD, EXAMPLE)):
        result = _run("diff", *args)
        assert result.exit_code == 2
        assert f"{GKE_PROD} is a folder of Kubernetes/Istio manifests" in result.output
        assert f"and {EXAMPLE} a blueprint" in result.output
    data = json.loads(_run("diff", EXAMPLE, GKE_PROD, "-f", "json").stdout)
    assert data["valid"] is False and "two manifests folders" in data["problems"][0]["message"]
