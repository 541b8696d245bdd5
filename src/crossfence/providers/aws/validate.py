"""What AWS refuses that the model alone cannot know: deny rules in security groups; where its port 25 setting and Scaleway's SMTP setting belong."""

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


def smtp_settings(v: Validator) -> None:
    """`port_25_restriction_removed` is an AWS account's (EC2 restricts outbound port 25,
    https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-rules.html);
    `enable_default_security` is a Scaleway security group's. Each elsewhere is refused rather
    than read as lifting a block the provider keeps."""
    for cloud in v.bp.clouds:
        if cloud.port_25_restriction_removed and cloud.provider != "aws":
            v.report.add(
                cloud,
                ("port_25_restriction_removed",),
                f"port_25_restriction_removed is an AWS setting, not {cloud.provider}'s "
                "(expected it only on an aws cloud; Scaleway: a security group's "
                "enable_default_security; Google Cloud always blocks TCP port 25 to external "
                "addresses)",
                "invalid-value",
            )
    for group in v.bp.security_groups:
        if group.enable_default_security is not None and v.provider(group.cloud) == "aws":
            v.report.add(
                group,
                ("enable_default_security",),
                "enable_default_security is a Scaleway security group setting (expected, on "
                "AWS, the cloud's port_25_restriction_removed)",
                "invalid-value",
            )


RULES = (allow_only_security_groups, smtp_settings)
