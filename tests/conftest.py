"""Suite-wide test settings."""

from __future__ import annotations

from hypothesis import settings

# Hypothesis' per-example deadline is a timing assertion, and the suite never asserts a time: on a
# loaded 2-core CI machine it fails correct code. Speed is measured in benchmarks/ instead.
settings.register_profile("crossfence", deadline=None)
settings.load_profile("crossfence")
