"""Every JSON output carries `schema_version` and validates against its published JSON Schema
(`crossfence schema KIND`, committed in schema/); blueprint and manifests outputs share shape and layout."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from crossfence.cli import app
from crossfence.report.schemas import KINDS
from tests.matrix_layout import matrix_text

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "eu-sovereign"
VARIANTS = EXAMPLE / "variants"
GKE_PROD = EXAMPLE / "manifests" / "gke-prod"
SCHEMAS = ROOT / "schema"

CLUSTER = """\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
status: {podIP: 10.1.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
status: {podIP: 10.1.0.2}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: 5432}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
"""

runner = CliRunner()


def _run(*args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cluster")
    (folder / "shop.yaml").write_text(CLUSTER, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("broken") / "broken.yaml"
    path.write_text("clouds:\n  - name: gcp\n    provider: gpc\n", encoding="utf-8")
    return path


def _schema(kind: str) -> dict[str, Any]:
    result = _run("schema", kind)
    assert result.exit_code == 0
    schema: dict[str, Any] = json.loads(result.stdout)
    return schema


@pytest.mark.parametrize("kind", ["blueprint", *KINDS])
def test_the_committed_schema_is_current(kind: str) -> None:
    """schema/KIND.json is what `crossfence schema KIND` prints (regenerate it with
    `crossfence schema KIND -o schema/KIND.json`)."""
    committed = SCHEMAS / f"{kind}.json"
    assert committed.read_text(encoding="utf-8") == _run("schema", kind).stdout, (
        f"schema/{kind}.json is stale: run `crossfence schema {kind} -o schema/{kind}.json`"
    )


@pytest.mark.parametrize("kind", KINDS)
def test_each_output_schema_is_a_valid_json_schema(kind: str) -> None:
    schema = _schema(kind)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def _outputs(cluster: Path, broken: Path) -> list[tuple[str, tuple[Any, ...]]]:
    reach = ("--from", "frontend", "--to", "customer-api", "-p", "tcp/8443")
    return [
        ("validate", ("validate", EXAMPLE)),
        ("validate", ("validate", VARIANTS / "overlapping-cidr")),
        ("validate", ("validate", cluster)),
        ("validate", ("validate", broken)),
        ("reach", ("reach", EXAMPLE, *reach)),
        ("reach", ("reach", EXAMPLE, "--from", "vault", "--to", "203.0.113.7")),
        ("reach", ("reach", cluster, "--from", "shop/web", "--to", "shop/db", "-p", "tcp/5432")),
        ("reach", ("reach", broken, *reach)),
        ("matrix", ("matrix", EXAMPLE)),
        ("matrix", ("matrix", GKE_PROD)),
        ("matrix", ("matrix", cluster)),
        ("matrix", ("matrix", broken)),
        ("check", ("check", EXAMPLE)),
        ("check", ("check", VARIANTS / "edge-open")),
        ("check", ("check", VARIANTS / "eastwest-blocked")),
        ("check", ("check", cluster)),
        ("check", ("check", broken)),
        ("diff", ("diff", EXAMPLE, VARIANTS / "edge-open")),
        ("diff", ("diff", cluster, GKE_PROD)),
        ("diff", ("diff", EXAMPLE, broken)),
        ("checks", ("checks",)),
    ]


def test_real_outputs_validate_against_their_schemas(cluster: Path, broken: Path) -> None:
    validators = {kind: Draft202012Validator(_schema(kind)) for kind in KINDS}
    for kind, args in _outputs(cluster, broken):
        result = _run(*args, "--format", "json")
        assert result.exit_code in (0, 1, 2), (args, result.output)
        assert result.stdout.startswith('{\n  "schema_version": 1,\n'), args
        errors = [e.message for e in validators[kind].iter_errors(json.loads(result.stdout))]
        assert errors == [], (args, errors[:3])


def test_a_schema_has_teeth() -> None:
    """A field the schema does not know, or one missing, fails: outputs cannot drift silently."""
    validator = Draft202012Validator(_schema("reach"))
    document = json.loads(
        _run("reach", EXAMPLE, "--from", "vault", "--to", "customer-db", "-f", "json").stdout
    )
    assert validator.is_valid(document)
    assert not validator.is_valid({**document, "extra": 1})
    assert not validator.is_valid({**document, "schema_version": 2})
    del document["hops"][0]["steps"][0]["detail"]
    assert not validator.is_valid(document)


def test_blueprint_and_manifests_outputs_share_shape_and_layout(cluster: Path) -> None:
    blueprint = json.loads(_run("validate", EXAMPLE, "-f", "json").stdout)
    manifests = json.loads(_run("validate", cluster, "-f", "json").stdout)
    assert (
        list(blueprint)
        == list(manifests)
        == [
            "schema_version",
            "valid",
            "kind",
            "problems",
            "summary",
        ]
    )
    assert (blueprint["kind"], manifests["kind"]) == ("blueprint", "manifests")
    for path in (EXAMPLE, cluster):
        text = _run("matrix", path, "-f", "json").stdout
        assert text == matrix_text(json.loads(text)), path
        assert re.search(r'^    \{"from": "[^"]+", "to": "[^"]+", "allowed": \[', text, re.M)


def test_the_schema_modelines_point_at_the_committed_schema() -> None:
    """`# yaml-language-server: $schema=...` in the example and its variants names a file that
    exists (relative to the YAML file, as the YAML language server reads it)."""
    modeline = re.compile(r"^# yaml-language-server: \$schema=(\S+)", re.M)
    found = 0
    for file in sorted(EXAMPLE.rglob("*.yaml")):
        for target in modeline.findall(file.read_text(encoding="utf-8")):
            assert (file.parent / target).resolve() == (SCHEMAS / "blueprint.json"), file
            found += 1
    assert found >= 16  # the example and each variant
