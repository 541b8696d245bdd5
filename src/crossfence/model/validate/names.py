"""Names: unique in each section, endpoint names unique across workloads and load balancers, none reserved."""

from __future__ import annotations

from ..blueprint import SECTIONS
from .base import RESERVED_ENDPOINTS, Validator

__all__ = ["check"]


def check(v: Validator) -> None:
    for section in SECTIONS:
        if section != "suppressions":
            singular = section[:-3] + "y" if section.endswith("ies") else section.removesuffix("s")
            v.duplicates(getattr(v.bp, section), singular.replace("_", " "))
    workload_names = {w.name: w for w in v.bp.workloads}
    for lb in v.bp.load_balancers:
        if lb.name in workload_names:
            first = workload_names[lb.name].defined_at
            v.report.add(
                lb,
                ("name",),
                f"'{lb.name}' is also a workload name (expected endpoint names unique across "
                f"workloads and load_balancers; the workload is at {first or 'another place'})",
                "duplicate-name",
            )
    for endpoint in v.endpoints.values():
        if endpoint.name in RESERVED_ENDPOINTS:
            v.report.add(
                endpoint,
                ("name",),
                f"'{endpoint.name}' is reserved (expected another name)",
                "duplicate-name",
            )
