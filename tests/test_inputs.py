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


BLUEPRINT = "crossfence: 1\nclouds: []\n"


def test_the_blueprint_keys_are_the_blueprint_s_fields() -> None:
    from crossfence.inputs import BLUEPRINT_KEYS
    from crossfence.model import Blueprint

    assert set(Blueprint.model_fields) == BLUEPRINT_KEYS


def test_every_file_decides_not_the_first_name(tmp_path: Path) -> None:
    """A manifests folder whose first file (by name) is no Kubernetes object used to be taken
    for a blueprint (and every command then failed on its pods)."""
    (tmp_path / "a-values.yaml").write_text("replicas: 2\nimage: shop\n")
    (tmp_path / "b-notes.yaml").write_text("owner: team-a\n")
    (tmp_path / "pods.yaml").write_text(POD)
    assert is_manifests(tmp_path)
    (tmp_path / "pods.json").write_text(
        '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db"}}'
    )
    (tmp_path / "pods.yaml").unlink()
    assert is_manifests(tmp_path)


def test_a_folder_mixing_a_blueprint_and_manifests_says_which_is_which(tmp_path: Path) -> None:
    import pytest

    from crossfence.errors import InputError

    (tmp_path / "estate.yaml").write_text(BLUEPRINT)
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "pods.yaml").write_text(POD)
    with pytest.raises(InputError) as raised:
        is_manifests(tmp_path)
    assert str(raised.value).splitlines() == [
        f"{tmp_path}: {tmp_path} holds both blueprint files and Kubernetes manifests (expected "
        "one or the other: a blueprint names its clusters' manifest folders in `manifests:`, a "
        "manifests folder holds Kubernetes objects only)",
        f"{tmp_path / 'estate.yaml'}: a blueprint file (top-level blueprint sections)",
        f"{tmp_path / 'k8s' / 'pods.yaml'}: Kubernetes manifests (top-level apiVersion and kind)",
    ]
    # under `manifests/` (or `variants/`), manifests are a blueprint's own: not mixed
    (tmp_path / "k8s").rename(tmp_path / "manifests")
    assert not is_manifests(tmp_path)


def test_mixed_input_exits_2_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "estate.yaml").write_text(BLUEPRINT)
    (tmp_path / "pods.yaml").write_text(POD)
    done = subprocess.run(
        [sys.executable, "-m", "crossfence", "validate", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "holds both blueprint files and Kubernetes manifests" in done.stderr
    assert f"{tmp_path / 'pods.yaml'}: Kubernetes manifests" in done.stderr
    assert "Traceback" not in done.stderr


def test_dot_folders_are_not_read(tmp_path: Path) -> None:
    (tmp_path / "estate.yaml").write_text(BLUEPRINT)
    (tmp_path / ".venv" / "lib").mkdir(parents=True)
    (tmp_path / ".venv" / "lib" / "pod.yaml").write_text(POD)
    assert not is_manifests(tmp_path)
    (tmp_path / "estate.yaml").unlink()
    assert not is_manifests(tmp_path)


def test_json_and_flow_style_manifests_are_recognised(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("{apiVersion: v1, kind: List, items: []}\n")
    assert is_manifests(path)
    path.write_text("- not: a manifest\n")
    assert not is_manifests(path)
