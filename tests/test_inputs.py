"""How a PATH argument is recognised: a blueprint, or Kubernetes/Istio manifests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from crossfence.inputs import is_manifests

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "eu-sovereign"
POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: default}\n"


def test_the_example_is_a_blueprint_and_its_manifests_are_manifests() -> None:
    assert not is_manifests(EXAMPLE)
    assert not is_manifests(EXAMPLE / "workloads.yaml")
    assert is_manifests(EXAMPLE / "manifests" / "gke-prod")


def test_comments_alone_do_not_decide(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("# nothing yet\n---\n")
    (tmp_path / "b.yaml").write_text(POD)
    assert is_manifests(tmp_path)


def test_yaml_the_fast_reader_refuses_is_still_recognised(tmp_path: Path) -> None:
    """Anchors send a file to ruamel; the answer is the same."""
    (tmp_path / "pods.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: &meta {name: web, namespace: default}\n"
    )
    assert is_manifests(tmp_path)


def test_a_blueprint_is_recognised_without_the_manifest_machinery() -> None:
    """Blueprint commands do not pay for rapidyaml or NumPy to learn that they have a blueprint."""
    code = (
        "import sys; from pathlib import Path; from crossfence.inputs import is_manifests; "
        f"assert not is_manifests(Path({str(EXAMPLE)!r})); "
        "print(sorted(m for m in ('numpy', 'ryml') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
