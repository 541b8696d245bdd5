"""The estate summary printed by `validate` and `make demo`: clouds, networks, connections, clusters, workloads."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..model import Blueprint

__all__ = ["render_summary", "summary_json"]


def _row(table: Table, *cells: object) -> None:
    """A table row of user text: every cell escaped (a description may hold `[/x]`)."""
    table.add_row(*(escape(str(cell)) for cell in cells))


def _where(blueprint: Blueprint, workload: Any) -> str:
    if workload.cluster:
        return f"{workload.cluster}/{workload.namespace}"
    if workload.subnet:
        return f"{workload.network}/{workload.subnet}"
    return workload.cloud or "-"


def summary_json(blueprint: Blueprint) -> dict[str, Any]:
    """Counts per section, in the documented `validate --format json` shape."""
    return {
        "name": blueprint.name,
        "clouds": [
            {
                "name": c.name,
                "provider": c.provider,
                "jurisdiction": c.jurisdiction,
                "region": c.region,
            }
            for c in blueprint.clouds
        ],
        "counts": {
            "networks": len(blueprint.networks),
            "subnets": sum(len(n.all_subnets) for n in blueprint.networks),
            "peerings": len(blueprint.peerings),
            "vpn_tunnels": len(blueprint.vpn_tunnels),
            "bgp_sessions": len(blueprint.bgp_sessions),
            "clusters": len(blueprint.clusters),
            "workloads": len(blueprint.workloads),
            "load_balancers": len(blueprint.load_balancers),
            "firewall_rules": sum(len(n.firewall_rules) for n in blueprint.networks),
            "intents": len(blueprint.intents),
        },
    }


def render_summary(blueprint: Blueprint, console: Console) -> None:
    """Print the estate as Rich tables."""
    console.print(
        f"[bold]{escape(blueprint.name)}[/]"
        + (f" — {escape(blueprint.description.strip())}" if blueprint.description else "")
    )

    clouds = Table(title="Clouds", title_justify="left", expand=False)
    for column in ("cloud", "provider", "jurisdiction", "region", "networks"):
        clouds.add_column(column)
    for cloud in blueprint.clouds:
        networks = [n.name for n in blueprint.networks if n.cloud == cloud.name]
        _row(
            clouds,
            cloud.name,
            cloud.provider,
            cloud.jurisdiction,
            cloud.region,
            ", ".join(networks),
        )
    console.print(clouds)

    network_table = Table(title="Networks", title_justify="left")
    for column in ("network", "cloud", "subnets / private networks", "routing", "filters"):
        network_table.add_column(column)
    for network in blueprint.networks:
        subnets = ", ".join(f"{s.name} {s.cidr}" for s in network.all_subnets)
        routing = (
            network.routing_mode
            if network.subnets
            else ("managed" if network.managed_routing else "manual")
        )
        filters: list[str] = []
        if network.firewall_rules:
            filters.append(f"{len(network.firewall_rules)} firewall rules")
        if network.acl:
            filters.append(
                f"VPC ACL ({len(network.acl.rules)} rules, default {network.acl.default_policy})"
            )
        _row(
            network_table, network.name, network.cloud, subnets, routing, ", ".join(filters) or "-"
        )
    console.print(network_table)

    links = Table(title="Connections", title_justify="left")
    for column in ("connection", "kind", "between", "details"):
        links.add_column(column)
    for peering in blueprint.peerings:
        flags = [
            f"{'export' if peering.export_custom_routes else 'no export'}",
            f"{'import' if peering.import_custom_routes else 'no import'} custom routes",
        ]
        _row(
            links,
            peering.name,
            "peering",
            f"{peering.network} → {peering.peer_network}",
            ", ".join(flags),
        )
    sessions = {s.tunnel: s for s in blueprint.bgp_sessions}
    for tunnel in blueprint.vpn_tunnels:
        session = sessions.get(tunnel.name)
        details = f"IKEv{tunnel.ike_version}"
        if session is not None:
            details += f", BGP {session.local.address} ↔ {session.peer.address}"
        _row(
            links,
            tunnel.name,
            "VPN tunnel",
            f"{tunnel.local.gateway} ↔ {tunnel.peer.gateway}",
            details,
        )
    for router in blueprint.routers:
        ranges = ", ".join(r.range for r in router.advertised_ranges)
        mode = router.advertise_mode + (f": subnets + {ranges}" if ranges else "")
        _row(
            links,
            router.name,
            "Cloud Router",
            router.network,
            f"ASN {router.asn}, advertises {mode}",
        )
    console.print(links)

    if blueprint.clusters:
        clusters = Table(title="Clusters", title_justify="left")
        for column in ("cluster", "kind", "nodes", "pods", "mesh"):
            clusters.add_column(column)
        for cluster in blueprint.clusters:
            mesh = f"Istio mTLS {cluster.mesh.mtls_mode}" if cluster.mesh else "-"
            _row(
                clusters,
                cluster.name,
                cluster.kind,
                f"{cluster.network}/{cluster.subnet}",
                str(cluster.pod_range),
                mesh,
            )
        console.print(clusters)

    workloads = Table(title="Workloads", title_justify="left")
    for column in ("workload", "kind", "where", "address", "ports", "personal data"):
        workloads.add_column(column)
    for workload in blueprint.workloads:
        ports = ", ".join(f"{p.protocol}/{p.port}" for p in workload.ports)
        data = {"none": "-", "processes": "processes", "stores": "stores"}[workload.personal_data]
        colour = {"processes": "yellow", "stores": "red"}.get(workload.personal_data)
        address = ", ".join(workload.addresses) or (
            f"{workload.replicas} pod(s)" if workload.kind == "pods" else "-"
        )
        cells = (workload.name, workload.kind, _where(blueprint, workload), address, ports or "-")
        workloads.add_row(
            *(escape(str(cell)) for cell in cells), f"[{colour}]{data}[/]" if colour else data
        )
    for lb in blueprint.load_balancers:
        _row(workloads, lb.name, lb.kind, lb.cloud, lb.address, f"{lb.protocol}/{lb.port}", "-")
    console.print(workloads)
