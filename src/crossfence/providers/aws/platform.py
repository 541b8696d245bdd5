"""AWS services an instance always reaches whatever its filters say (Amazon DNS, metadata, Time Sync)."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from ...algebra.packets import IpSet, ServiceSet, services_of
from ...ir.types import PlatformService, Source

if TYPE_CHECKING:
    from ...model import Network

__all__ = ["platform_services"]

UNFILTERED_PAGE = "https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Security.html"
SUBNET_PAGE = "https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html"
SERVICES_PAGE = (
    "https://docs.aws.amazon.com/whitepapers/latest/ipv6-on-aws/supporting-amazon-vpc-services.html"
)

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
