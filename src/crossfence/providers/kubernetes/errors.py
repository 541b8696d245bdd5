"""Located problems in Kubernetes/Istio manifests, in the project's error tree.

`ManifestError` is `crossfence.errors.ManifestError` (an `InputError`): manifests that cannot be
analysed, with every problem found, each `file:line:col: field.path: message`; the CLI exits
with 2.

Problems are `crossfence.errors.Problem`. Warnings (unknown kinds, unsupported fields) are not
raised: they are collected on the loaded `Cluster` as problems of severity "warning", never
printed by the library. `Location` (from `crossfence.located`) is where a policy or rule sits,
for traces.
"""

from __future__ import annotations

from crossfence.errors import ManifestError, Problem
from crossfence.located.location import Location, located

__all__ = ["Location", "ManifestError", "Problem", "located"]
