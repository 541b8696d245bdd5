"""What AWS refuses that the model alone cannot know: deny rules in security groups."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...model.validate.base import Validator

__all__ = ["RULES"]


def allow_only_security_groups(v: Validator) -> None:
    """Security groups only allow (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html)."""
    for group in v.bp.security_groups:
        if v.provider(group.cloud) != "aws":
            continue
        for direction in ("inbound_rules", "outbound_rules"):
            for i, rule in enumerate(getattr(group, direction)):
                if rule.action != "accept":
                    v.report.add(
                        group,
                        (direction, i, "action"),
                        "AWS security groups only allow (expected action: accept; "
                        "use a network ACL to deny)",
                        "invalid-value",
                    )


RULES = (allow_only_security_groups,)
