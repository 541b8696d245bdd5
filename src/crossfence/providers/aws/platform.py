"""AWS services an instance always reaches whatever its filters say (Amazon DNS, metadata, Time Sync), and EC2's port 25 restriction."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from ...algebra.packets import IpSet, ServiceSet, services_of
from ...ir.types import FilterRule, PlatformService, Source

if TYPE_CHECKING:
    from ...model import Network

__all__ = ["SMTP_PAGE", "platform_services", "port_25_restricted"]

UNFILTERED_PAGE = "https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Security.html"
SUBNET_PAGE = "https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html"
SERVICES_PAGE = (
    "https://docs.aws.amazon.com/whitepapers/latest/ipv6-on-aws/supporting-amazon-vpc-services.html"
)
SMTP_PAGE = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-rules.html"

_DNS = services_of(["udp/53", "tcp/53"])


def _unfiltered(rule: str) -> Source:
    return Source("aws/unfiltered-traffic", rule, UNFILTERED_PAGE)


def platform_services(network: Network) -> list[PlatformService]:
    """What a VPC's instances reach outside security groups and network ACLs. "Amazon security
    groups and network ACLs do not filter traffic destined to and from the following: Amazon
    Domain Name Services (DNS), Amazon Dynamic Host Configuration Protocol (DHCP), Amazon EC2
    instance metadata, Amazon ECS task metadata endpoints, License activation for Windows
    instances, Amazon Time Sync Service, Reserved IP addresses used by the default VPC router"
    (VPC_Security, awsdocs/amazon-vpc-user-guide). The addresses: "Amazon VPC features a built-in
    DNS resolver which resides at VPC_CIDR_BASE + 2 and 169.254.169.253"; the instance metadata
    service is "available to it at 169.254.169.254"; "Amazon VPC provides a Stratum-3 NTP server
    at 169.254.169.123" (supporting-amazon-vpc-services); in each subnet "10.0.0.1: Reserved by
    AWS for the VPC router" (subnet-sizing). ECS task metadata and Windows license activation are
    not modelled (no address of theirs is documented on these pages). The pages name no service
    the VPC router's address answers on (nor the address DHCP answers from): a flow to it is not
    filtered, and finds nothing crossfence knows to be listening."""
    services = [
        PlatformService(
            "the Amazon DNS server (Route 53 Resolver)",
            IpSet.from_addresses(["169.254.169.253"]),
            _DNS,
            _unfiltered("amazon-dns"),
        ),
        PlatformService(
            "the instance metadata service (IMDS)",
            IpSet.from_addresses(["169.254.169.254"]),
            services_of(["tcp/80"]),
            _unfiltered("instance-metadata"),
        ),
        PlatformService(
            "the Amazon Time Sync Service",
            IpSet.from_addresses(["169.254.169.123"]),
            services_of(["udp/123"]),
            _unfiltered("time-sync"),
        ),
    ]
    if network.cidr_blocks:
        # "The IP address of the DNS server is the base of the VPC network range plus two. For
        # VPCs with multiple CIDR blocks, the IP address of the DNS server is located in the
        # primary CIDR" (subnet-sizing)
        primary = ipaddress.IPv4Network(str(network.cidr_blocks[0]))
        services.append(
            PlatformService(
                "the Amazon DNS server (Route 53 Resolver) at the VPC's base plus two",
                IpSet.from_addresses([int(primary.network_address) + 2]),
                _DNS,
                _unfiltered("amazon-dns"),
            )
        )
    routers = [
        int(ipaddress.IPv4Network(str(s.cidr)).network_address) + 1 for s in network.all_subnets
    ]
    if routers:
        services.append(
            PlatformService(
                "the VPC router (the subnet's base plus one, reserved by AWS)",
                IpSet.from_addresses(routers),
                ServiceSet.none(),
                _unfiltered("vpc-router"),
            )
        )
    return services


# Internal destinations: the private ranges, shared address space, link-local (Amazon's own
# services) and the VPC's own blocks; the restriction is on email sent to the internet.
_INTERNAL = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16")


def port_25_restricted(network: Network | None) -> FilterRule:
    """Outbound TCP port 25 to internet addresses, which EC2 blocks until AWS lifts it on the
    account's request: "Note that Amazon EC2 blocks traffic on port 25 by default. For more
    information, see Restriction on email sent using port 25" (security-group-rules, EC2 user
    guide); Amazon SES's page: Amazon EC2 "restricts email traffic over port 25 by default" and
    "you can request that these restrictions be removed". It comes before the security groups'
    rules, which cannot allow it; the cloud's `port_25_restriction_removed: true` says AWS lifted
    it."""
    blocks = [str(c) for c in network.cidr_blocks] if network is not None else []
    return FilterRule(
        name="EC2 restriction on outbound port 25 (AWS blocks TCP port 25 by default)",
        action="deny",
        remote=IpSet.all() - IpSet.from_cidrs([*_INTERNAL, *blocks]),
        local=IpSet.all(),
        services=services_of(["tcp/25"]),
        source=Source("aws/port-25-restriction", "tcp/25", SMTP_PAGE),
    )
