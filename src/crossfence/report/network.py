"""Text rendering of `reach` traces and `matrix` tables, and their JSON documents."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..checks.base import unknown_json
from ..engine.matrix import Matrix
from ..engine.reach import Reach
from ..ir.types import Topology
from . import SCHEMA_VERSION

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from ..model import UnknownValue

__all__ = [
    "endpoint_groups",
    "group_summary",
    "reach_json",
    "render_matrix",
    "render_reach",
    "render_unknown_pairs",
    "unknown_json",
    "verdict_line",
]


def reach_json(result: Reach, unknowns: Sequence[UnknownValue] = ()) -> dict[str, Any]:
    """The documented JSON shape of `reach --format json` (`crossfence schema reach`). With
    `unknowns` (values known after apply the answer depends on), the verdict is `unknown`,
    `assumed` the verdict the stand-ins gave, and `unknowns` lists them."""
    document = {"schema_version": SCHEMA_VERSION, **result.to_json()}
    if unknowns:
        document["assumed"] = document["verdict"]
        document["verdict"] = "unknown"
        document["unknowns"] = [unknown_json(u) for u in unknowns]
    return document


def verdict_line(result: Reach, unknowns: Sequence[UnknownValue] = ()) -> str:
    """`ALLOWED a → b tcp/443  (DELIVERED)`, as plain text; `UNKNOWN ...` when it depends on
    values known after apply."""
    if unknowns:
        assumed = "allowed" if result.allowed else "denied"
        return (
            f"UNKNOWN {result.source} → {result.destination} {result.port}  (depends on "
            f"{len(unknowns)} value{'s' if len(unknowns) != 1 else ''} known after apply; "
            f"{assumed} with the stand-ins: {result.disposition})"
        )
    verdict = "ALLOWED" if result.allowed else "DENIED"
    return f"{verdict} {result.source} → {result.destination} {result.port}  ({result.disposition})"


def render_reach(
    result: Reach, console: Console, quiet: bool = False, unknowns: Sequence[UnknownValue] = ()
) -> None:
    """The verdict, then each hop and its steps with the rule's source; `quiet`: the verdict.
    With `unknowns`, the verdict is UNKNOWN and each value it depends on is listed first."""
    colour = "yellow" if unknowns else "green" if result.allowed else "red"
    verdict, _, rest = verdict_line(result, unknowns).partition(" ")
    console.print(f"[bold {colour}]{verdict}[/] {escape(rest)}")
    for unknown in unknowns:
        console.print(f"  [yellow]depends on[/] {escape(str(unknown))}")
    if quiet:
        return
    for condition in result.conditions:
        console.print(f"  [yellow]only with[/] {escape(condition)}")
    for hop in result.hops:
        console.print(f"  [bold]{escape(hop.node)}[/]")
        for step in hop.steps:
            style = "red" if step.action.startswith("DROP") or "denied" in step.detail else ""
            line = escape(f"    {step.action:<22} {step.detail}")
            console.print(f"[{style}]{line}[/]" if style else line)
            if step.source is not None:
                console.print(f"    {'':<22} [dim]↳ {escape(str(step.source))}[/]")


FULL_TABLE_PAIRS = 400
"""Above this many pairs, the text output of `matrix` is a summary by group."""


def render_matrix(
    matrix: Matrix,
    console: Console,
    groups: Mapping[str, str] | None = None,
    full_table_pairs: int = FULL_TABLE_PAIRS,
) -> None:
    """One row per pair that allows something (services allowed only for some requests in a
    column of their own); past `full_table_pairs` pairs, with `groups` (endpoint -> its
    network or cluster), a summary: per pair of groups, how many pairs allow something."""
    sources, destinations = matrix.listed_pairs()
    layers = {
        "all": "every layer",
        "network": "network layers only",
        "kubernetes": "NetworkPolicy",
    }.get(matrix.layers, matrix.layers)
    title = f"Connectivity ({len(matrix.endpoints)} endpoints, {layers})"
    if not sources.size:
        # an empty table would wrap its title to the width of three column headers
        console.print(f"{title}: no pair of endpoints allows anything")
        return
    if groups is not None and sources.size > full_table_pairs:
        _render_summary(matrix, sources, destinations, groups, console, title)
        return
    conditional = bool(matrix.conditional)
    table = Table(title=title, title_justify="left")
    table.add_column("from")
    table.add_column("to")
    table.add_column("allowed")
    if conditional:
        table.add_column("allowed only for requests that")
    for a, b, allowed, allowed_if in matrix.rows():
        row = [escape(a), escape(b), escape(", ".join(allowed)) or "[dim]-[/]"]
        if conditional:
            row.append(
                escape(
                    "; ".join(
                        f"{', '.join(c['services'])}: {', '.join(c['conditions'])}"
                        for c in allowed_if
                    )
                )
            )
        table.add_row(*row)
    console.print(table)
    console.print("pairs not listed allow nothing")


def endpoint_groups(topology: Topology) -> dict[str, str]:
    """Each endpoint's group in a summarised matrix: its cluster (pods), its network, or what
    it is (the internet, a load balancer outside every network)."""
    groups: dict[str, str] = {}
    clusters = {name: w.cluster for name, w in topology.workloads.items() if w.cluster}
    for name, endpoint in topology.endpoints.items():
        if name in clusters:
            groups[name] = f"cluster {clusters[name]}"
        elif endpoint.network is not None:
            groups[name] = f"network {endpoint.network}"
        else:
            groups[name] = endpoint.kind
    return groups


def group_summary(
    matrix: Matrix,
    groups: Mapping[str, str],
    listed: tuple[NDArray[np.int64], NDArray[np.int64]] | None = None,
) -> dict[str, Any]:
    """The matrix counted per (source group, destination group): `{"groups": [{"name",
    "members"}], "pairs": [{"from", "to", "allowing", "possible", "conditional"}]}` (group
    indexes; `allowing`: pairs that allow something, `possible`: every ordered pair of distinct
    endpoints, `conditional`: pairs allowed for some requests only), without building the pairs."""
    import numpy as np

    sources, destinations = listed if listed is not None else matrix.listed_pairs()
    names = sorted(set(groups.get(n, "other") for n in matrix.endpoints))
    number = {name: i for i, name in enumerate(names)}
    group_of = np.array([number[groups.get(n, "other")] for n in matrix.endpoints], dtype=np.int64)
    members = np.bincount(group_of, minlength=len(names))
    key = group_of[sources] * len(names) + group_of[destinations]
    pairs = np.bincount(key, minlength=len(names) ** 2)
    index = {n: i for i, n in enumerate(matrix.endpoints)}
    only_if = np.zeros(len(names) ** 2, dtype=np.int64)
    for a, b in matrix.conditional:
        only_if[group_of[index[a]] * len(names) + group_of[index[b]]] += 1
    counted = []
    for k in np.flatnonzero(pairs).tolist():
        x, y = divmod(k, len(names))
        possible = int(members[x]) * int(members[y]) - (int(members[x]) if x == y else 0)
        counted.append(
            {
                "from": x,
                "to": y,
                "allowing": int(pairs[k]),
                "possible": possible,
                "conditional": int(only_if[k]),
            }
        )
    return {
        "groups": [{"name": n, "members": int(members[i])} for i, n in enumerate(names)],
        "pairs": counted,
    }


def _render_summary(
    matrix: Matrix,
    sources: NDArray[np.int64],
    destinations: NDArray[np.int64],
    groups: Mapping[str, str],
    console: Console,
    title: str,
) -> None:
    """Pairs that allow something, counted per (source group, destination group)."""
    summary = group_summary(matrix, groups, (sources, destinations))
    names = summary["groups"]
    table = Table(title=f"{title}: {sources.size:,} pairs, by group", title_justify="left")
    for column in (
        "from",
        "to",
        "pairs allowing something",
        "of all pairs",
        "for some requests only",
    ):
        table.add_column(column, justify="right" if column != "from" and column != "to" else "left")
    for pair in summary["pairs"]:
        x, y = names[pair["from"]], names[pair["to"]]
        table.add_row(
            escape(f"{x['name']} ({x['members']})"),
            escape(f"{y['name']} ({y['members']})"),
            f"{pair['allowing']:,}",
            f"{pair['possible']:,}",
            f"{pair['conditional']:,}" if pair["conditional"] else "",
        )
    console.print(table)
    console.print(
        "the full table, one pair a row: --format csv (or --format json); pairs not counted "
        "allow nothing"
    )


def render_unknown_pairs(
    unknowns: Sequence[tuple[UnknownValue, frozenset[str]]], endpoints: int, console: Console
) -> None:
    """After a matrix: each value known after apply, and the endpoints whose pairs (listed or
    not) are unknown because of it."""
    for unknown, names in unknowns:
        who = (
            "every pair"
            if len(names) >= endpoints
            else f"pairs with {', '.join(sorted(names))}"
            if names
            else "no pair"
        )
        console.print(f"[yellow]unknown[/]: {escape(who)}: depends on {escape(str(unknown))}")
