"""DLP and private API checks: calls that carry personal data to Google APIs stay on private routes."""

from __future__ import annotations

from collections.abc import Iterator

from ..engine.reach import Reach
from .base import Check, Context, Finding, ObjectRef, ref, register

__all__: list[str] = []


def _over_tunnel(flow: Reach) -> bool:
    return any(step.action == "ARRIVE_AT_VPN_TUNNEL" for hop in flow.hops for step in hop.steps)


@register(
    "dlp.private-api-not-routed",
    "high",
    "A private API range is not routed over the VPN",
    "DLP inspection, backups and key calls carry personal data to Google APIs; without a route to "
    "restricted.googleapis.com over the VPN they fail or leave over the internet, outside the "
    "VPC Service Controls perimeter.",
    "Advertise the API range (199.36.153.4/30 for restricted.googleapis.com) from the Cloud "
    "Router, accept it in the peer's routing policy, and resolve the API names to it.",
)
def private_api(context: Context, check: Check) -> Iterator[Finding]:
    calls: list[tuple[str, str, str, ObjectRef]] = []
    for dlp in context.blueprint.dlp_paths:
        calls.append((dlp.client, dlp.api, dlp.port, ref("dlp-path", dlp)))
    for backup in context.blueprint.backups:
        if backup.via is not None:
            calls.append((backup.agent, backup.via, "tcp/443", ref("backup", backup)))
    failing: dict[str, list[tuple[Reach, ObjectRef]]] = {}
    for client_name, api_name, port, user in calls:
        client, api = context.workload(client_name), context.workload(api_name)
        if client is None or api is None:
            continue
        client_cloud, api_cloud = (
            context.blueprint.cloud_of(client),
            context.blueprint.cloud_of(api),
        )
        if client_cloud is None or api_cloud is None or client_cloud.name == api_cloud.name:
            continue
        flow = context.ask(client.name, api.name, port)
        if flow is None or (flow.allowed and _over_tunnel(flow)):
            continue
        failing.setdefault(api.name, []).append((flow, user))
    for api_name, flows in failing.items():
        api = context.workload(api_name)
        assert api is not None
        network = api.network
        routers = context.routers_of(network) if network else []
        clients = ", ".join(f"{flow.source} ({flow.disposition})" for flow, _ in flows)
        yield check.finding(
            f"{api_name} ({', '.join(api.addresses)}) has no private route from {clients}: "
            "the calls fail, or leave over the internet wherever a default route exists",
            [
                *(ref("router", r) for r in routers),
                ref("workload", api),
                *(user for _, user in flows),
            ],
            [flow for flow, _ in flows],
        )


@register(
    "dlp.inspection-stored",
    "medium",
    "DLP keeps what it inspects",
    "Inspection in memory sends personal data through the provider and forgets it; stored "
    "inspection keeps a copy in the provider's jurisdiction.",
    "Use in-memory inspection (`inspection: in_memory`, content.inspect) for personal data.",
)
def inspection_stored(context: Context, check: Check) -> Iterator[Finding]:
    for dlp in context.blueprint.dlp_paths:
        if dlp.inspection == "stored":
            yield check.finding(
                f"DLP path {dlp.name} stores what {dlp.client} sends for inspection",
                [ref("dlp-path", dlp)],
            )


@register(
    "dlp.no-service-perimeter",
    "medium",
    "DLP API without a service perimeter",
    "Without VPC Service Controls, a credential leaked from the client can call the API from "
    "anywhere, and the data can be sent to projects outside the estate.",
    "Put the project in a VPC Service Controls perimeter that restricts dlp.googleapis.com, "
    "with an access level for the client's ranges.",
)
def no_perimeter(context: Context, check: Check) -> Iterator[Finding]:
    for dlp in context.blueprint.dlp_paths:
        if dlp.service_perimeter is None:
            yield check.finding(
                f"DLP path {dlp.name} ({dlp.client} → {dlp.api}) has no service perimeter",
                [ref("dlp-path", dlp)],
            )
