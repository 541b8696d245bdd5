"""Manifests folders as people have them: Kubernetes objects are read; Helm charts, templates, values, kustomizations, READMEs and other JSON are skipped with one warning each; malformed objects and duplicate keys are located errors.

(`kubectl apply -f DIR` reads the files of these extensions, `var FileExtensions = []string{".json",
".yaml", ".yml"}` in https://github.com/kubernetes/cli-runtime/blob/master/pkg/resource/builder.go;
the API server's strict field validation refuses a duplicate key, in the `fieldValidation`
parameter's words: "Strict: This will fail the request with a BadRequest error if any unknown
fields would be dropped from the object, or if any duplicate fields are present",
https://kubernetes.io/docs/reference/using-api/api-concepts/#setting-the-field-validation-level.)
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from crossfence.providers.kubernetes import ManifestError, load_manifests

POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\n"
POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress]}
"""


def _folder(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "cluster"
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def _warnings(folder: Path) -> list[str]:
    cluster = load_manifests(folder)
    assert [p.name for p in cluster.pods] == ["web"]
    assert [p.name for p in cluster.network_policies] == ["deny"]
    return sorted(str(w).replace(f"{folder}/", "") for w in cluster.warnings)


def test_a_helm_chart_is_skipped_with_a_warning_per_file(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        {
            "pod.yaml": POD,
            "policy.yaml": POLICY,
            "chart/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 1.0.0\n",
            "chart/values.yaml": "replicas: 2\nimage: {repository: shop}\n",
            "chart/templates/deployment.yaml": """\
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: {{ include "shop.fullname" . }}
                spec:
                  replicas: {{ .Values.replicas }}
                """,
            "chart/templates/_helpers.tpl": '{{- define "shop.fullname" -}}shop{{- end }}\n',
        },
    )
    helm = "render the chart with `helm template` first and analyse its output; skipped"
    assert _warnings(folder) == [
        f"chart/Chart.yaml: a Helm chart's Chart.yaml: {helm}",
        "chart/templates/_helpers.tpl: not read (expected .json, .yaml, .yml files); skipped",
        f"chart/templates/deployment.yaml: a Helm template ({{{{ ... }}}} is not YAML): {helm}",
        f"chart/values.yaml: Helm values (values.yaml) are not Kubernetes objects: {helm}",
    ]


def test_kustomize_readme_and_other_json_are_skipped(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        {
            "pod.yaml": POD,
            "policy.yaml": POLICY,
            "kustomization.yaml": (
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
                "metadata: {name: shop}\nresources: [pod.yaml]\n"
            ),
            "README.md": "# shop\n",
            "package.json": json.dumps({"name": "shop", "version": "1.0.0"}),
            "empty.yaml": "# nothing yet\n",
        },
    )
    assert _warnings(folder) == [
        "README.md: not read (expected .json, .yaml, .yml files); skipped",
        "kustomization.yaml:1:1: kind Kustomization is not analysed: build it with "
        "`kubectl kustomize` first and analyse its output; skipped",
        "package.json: no Kubernetes object in it (expected documents with apiVersion and "
        "kind); skipped",
    ]


def test_a_template_that_reads_as_yaml_is_read(tmp_path: Path) -> None:
    """`{{ }}` inside quoted strings is YAML: the objects are read (as kubectl would)."""
    folder = _folder(
        tmp_path,
        {
            "pod.yaml": POD.replace("{name: web,", '{name: web, annotations: {t: "{{ .x }}"},'),
            "policy.yaml": POLICY,
        },
    )
    assert _warnings(folder) == []


def test_invalid_yaml_without_templates_is_still_an_error(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"pod.yaml": POD, "bad.yaml": "kind: [Pod\n"})
    with pytest.raises(ManifestError, match=r"bad\.yaml:2:1: invalid YAML"):
        load_manifests(folder)


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (
            "apiVersion: v1\nkind: {a: 1}\nmetadata: {name: x}\n",
            "2:7: kind",
            "expected a string, got a mapping",
        ),
        (
            "apiVersion: v1\nkind: [Pod]\nmetadata: {name: x}\n",
            "2:7: kind",
            "expected a string, got a list",
        ),
        (
            "apiVersion: {v: 1}\nkind: Pod\nmetadata: {name: x}\n",
            "1:13: apiVersion",
            "expected a string, got a mapping",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: [x]\n",
            "3:11: metadata",
            "expected a mapping, got a list",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: [x]}\n",
            "3:18: metadata.name",
            "expected a string, got a list",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: {a: 1}}\n",
            "3:18: metadata.name",
            "expected a string, got a mapping",
        ),
    ],
)
def test_a_kind_or_name_that_is_no_string_is_located(
    tmp_path: Path, text: str, where: str, message: str
) -> None:
    """A `kind` that is a mapping or a list used to escape as `TypeError: unhashable type`."""
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError) as raised:
        load_manifests(path)
    assert f"{path}:{where}: {message}" in [str(p) for p in raised.value.problems]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nmetadata: {name: b}\n", "4:1: metadata"),
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: a, name: b}\n", "3:21: metadata.name"),
        (
            '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}, "kind": "Service"}',
            "1:64: kind",
        ),
    ],
    ids=["block", "flow", "json"],
)
def test_duplicate_keys_are_refused(tmp_path: Path, text: str, where: str) -> None:
    """The last of two keys used to win silently (here: which pod, or whether it is a pod)."""
    path = tmp_path / "m.json" if text.startswith("{") else tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError) as raised:
        load_manifests(path)
    (problem,) = raised.value.problems
    assert str(problem).startswith(f"{path}:{where}: duplicate key")
    assert str(problem).endswith("(expected each key once per mapping)")


def test_a_mapping_as_a_key_is_located(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {{a: 1}: x}}\n")
    with pytest.raises(ManifestError) as raised:
        load_manifests(path)
    assert str(raised.value) == (
        f"{path}:3:30: a mapping as a mapping key is not allowed (expected a string key)"
    )
