"""The Kubernetes provider's public API is what other layers (CLI, composition) are built on."""

from __future__ import annotations

import inspect

import crossfence.providers.istio as istio
import crossfence.providers.kubernetes as kubernetes
from crossfence import errors


def test_public_names() -> None:
    assert set(kubernetes.__all__) == {
        "DEFAULT_POD_RANGE",
        "Cluster",
        "Connectivity",
        "LayeredVerdict",
        "Location",
        "ManifestError",
        "NetworkPolicy",
        "Pod",
        "Problem",
        "Step",
        "connectivity",
        "explain",
        "load_manifests",
    }
    assert {"authorize", "mtls_mode", "AuthorizationPolicy", "PeerAuthentication"} <= set(
        istio.__all__
    )


def test_signatures() -> None:
    assert list(inspect.signature(kubernetes.load_manifests).parameters) == ["path"]
    assert list(inspect.signature(kubernetes.connectivity).parameters) == ["cluster"]
    assert list(inspect.signature(kubernetes.explain).parameters) == [
        "cluster",
        "src",
        "dst",
        "protocol",
        "port",
        "method",
        "path",
        "host",
    ]


def test_manifest_error_is_a_project_input_error() -> None:
    """The CLI maps every InputError to exit code 2."""
    assert issubclass(kubernetes.ManifestError, errors.ManifestError)
    assert issubclass(kubernetes.ManifestError, errors.InputError)


def test_explain_is_imported_on_first_use_and_stays_the_function() -> None:
    """`matrix DIR` does not import the layered evaluator (nor the mesh); once imported,
    `kubernetes.explain` is the function, even after its module was imported by name."""
    import subprocess
    import sys

    code = (
        "import sys, inspect\n"
        "import crossfence.providers.kubernetes as k\n"
        "assert 'crossfence.providers.kubernetes.layered' not in sys.modules\n"
        "assert 'crossfence.providers.istio' not in sys.modules\n"
        "import crossfence.providers.kubernetes.layered\n"
        "assert inspect.isfunction(k.explain), k.explain\n"
        "from crossfence.providers.kubernetes import LayeredVerdict, Step, explain\n"
        "assert explain is crossfence.providers.kubernetes.layered.explain\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
