"""crossfence: one blueprint for a multi-cloud estate; reachability and security checks across every layer."""

from __future__ import annotations

__version__ = "0.1.0"
