"""Sovereignty checks: personal data stored or processed outside the jurisdiction the estate requires."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Check, Context, Finding, ref, register

__all__: list[str] = []


@register(
    "sovereignty.personal-data-outside-jurisdiction",
    "critical",
    "Personal data stored or processed outside the required jurisdiction",
    "A provider under another jurisdiction can be compelled to hand over what it stores or "
    "processes (e.g. the US CLOUD Act reaches a US provider's EU regions).",
    "Move the workload to a cloud of the required jurisdiction (`personal_data_jurisdiction`), "
    "or stop it from storing or processing personal data there.",
)
def personal_data_outside(context: Context, check: Check) -> Iterator[Finding]:
    required = context.jurisdiction
    if required is None:
        return
    for workload in context.blueprint.workloads:
        if workload.personal_data == "none":
            continue
        cloud = context.blueprint.cloud_of(workload)
        if cloud is None or cloud.jurisdiction == required:
            continue
        yield check.finding(
            f"{workload.name} {workload.personal_data} personal data in cloud {cloud.name} "
            f"({cloud.provider}, jurisdiction {cloud.jurisdiction}); the estate requires {required}",
            [ref("workload", workload), ref("cloud", cloud)],
            # flows to and from a misplaced workload break because it moved: one mistake
            scope=[workload.name],
        )
