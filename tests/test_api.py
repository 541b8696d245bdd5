"""The public API is exactly what crossfence/__init__.py exports (httpx-style guard)."""

from __future__ import annotations

import crossfence


def test_public_api_names() -> None:
    assert set(crossfence.__all__) == {
        "Blueprint",
        "BlueprintError",
        "CrossfenceError",
        "InputError",
        "ManifestError",
        "Matrix",
        "Problem",
        "QueryError",
        "Reach",
        "Report",
        "UnsupportedError",
        "__version__",
        "build_topology",
        "connectivity",
        "load",
        "reach",
        "run_checks",
    }
    for name in crossfence.__all__:
        assert hasattr(crossfence, name)


def test_errors_share_one_base() -> None:
    assert issubclass(crossfence.BlueprintError, crossfence.InputError)
    assert issubclass(crossfence.QueryError, crossfence.CrossfenceError)
