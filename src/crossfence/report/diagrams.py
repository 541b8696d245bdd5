"""The topology as Graphviz DOT and as a Mermaid flowchart, for READMEs and design documents."""

from __future__ import annotations

from collections import defaultdict

from .graph import Graph, Node
from .visible import visible

__all__ = ["to_dot", "to_mermaid"]

_EDGE_STYLE = {
    "peering": 'style=bold color="#1f77b4"',
    "vpn": 'style=dashed color="#d62728" penwidth=2',
    "backend": 'color="#2ca02c"',
    "member": 'style=dotted color="#9467bd"',
}
_FILL = {
    "cloud": "#f4f4f4",
    "network": "#e8f0fb",
    "subnet": "#ffffff",
    "cluster": "#eef8ee",
}


def _children(graph: Graph) -> dict[str | None, list[Node]]:
    below: dict[str | None, list[Node]] = defaultdict(list)
    for node in graph.nodes:
        below[node.parent].append(node)
    return below


def _dot_string(text: str) -> str:
    """A DOT quoted string: control characters visible, backslashes and quotes escaped, line
    breaks as `\\n`."""
    cleaned = visible(text.replace("\r", "")).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + cleaned.replace("\n", "\\n") + '"'


def _caption(node: Node) -> str:
    text = node.label
    if node.personal_data != "none":
        text += f" [personal data: {node.personal_data}]"
    if node.detail:
        text += f"\n{node.detail}"
    return text


def to_dot(graph: Graph, name: str) -> str:
    """A `digraph` with one `subgraph cluster_*` per group (drawn as nested boxes by `dot`);
    edges between groups go to an invisible anchor node inside each group."""
    below = _children(graph)
    groups = {n.id for n in graph.nodes if below.get(n.id)}
    number = {n.id: i for i, n in enumerate(graph.nodes)}
    lines = [
        f"digraph {_dot_string(name)} {{",
        f"  label={_dot_string(name)}; labelloc=t; fontsize=16;",
        "  compound=true; rankdir=LR; fontname=Helvetica;",
        '  node [shape=box style="rounded,filled" fillcolor=white fontname=Helvetica fontsize=10];',
        "  edge [fontname=Helvetica fontsize=9];",
    ]

    def emit(parent: str | None, indent: str) -> None:
        for node in below.get(parent, []):
            ident = f"n{number[node.id]}"
            if node.id in groups:
                fill = _FILL.get(node.kind, "#ffffff")
                lines.append(f"{indent}subgraph cluster_{ident} {{")
                lines.append(
                    f'{indent}  label={_dot_string(_caption(node))}; fontsize=12; style="rounded,filled"; '
                    f'fillcolor="{fill}";'
                )
                # the group's anchor: edges to a group are drawn to its border (lhead/ltail)
                lines.append(f"{indent}  {ident} [shape=point style=invis width=0];")
                emit(node.id, indent + "  ")
                lines.append(f"{indent}}}")
            else:
                colour = {"stores": "#d62728", "processes": "#ff7f0e"}.get(node.personal_data)
                extra = f' color="{colour}" penwidth=2' if colour else ""
                lines.append(f"{indent}{ident} [label={_dot_string(_caption(node))}{extra}];")

    emit(None, "  ")
    for edge in graph.edges:
        a, b = f"n{number[edge.source]}", f"n{number[edge.target]}"
        attributes = [_EDGE_STYLE.get(edge.kind, ""), f"label={_dot_string(edge.label)}"]
        if edge.source in groups:
            attributes.append(f"ltail=cluster_{a}")
        if edge.target in groups:
            attributes.append(f"lhead=cluster_{b}")
        if edge.kind in ("peering", "vpn", "member"):
            attributes.append("dir=none")
        lines.append(f"  {a} -> {b} [{' '.join(x for x in attributes if x)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    """Mermaid label text inside double quotes: characters Mermaid or HTML would read as
    syntax are written as Mermaid's numeric entity codes (`#60;` for `<`)."""
    special = {"#": "#35;", '"': "#34;", "<": "#60;", ">": "#62;", "&": "#38;"}
    special.update({"\n": " ", "\r": " ", "|": "#124;", "`": "#96;"})
    return "".join(special.get(c, c) for c in visible(text.replace("\r", " ")))


_ARROW = {"peering": "<==>", "vpn": "<-.->", "backend": "-->", "member": "-.-"}


def to_mermaid(graph: Graph) -> str:
    """A `flowchart LR` with one `subgraph` per group; personal-data stores styled apart."""
    below = _children(graph)
    groups = {n.id for n in graph.nodes if below.get(n.id)}
    number = {n.id: i for i, n in enumerate(graph.nodes)}
    lines = ["flowchart LR"]

    def emit(parent: str | None, indent: str) -> None:
        for node in below.get(parent, []):
            ident = f"n{number[node.id]}"
            caption = node.label + (f" ({node.detail})" if node.detail else "")
            if node.personal_data != "none":
                caption += f" [personal data: {node.personal_data}]"
            if node.id in groups:
                lines.append(f'{indent}subgraph {ident}["{_mermaid_text(caption)}"]')
                emit(node.id, indent + "  ")
                lines.append(f"{indent}end")
            else:
                lines.append(f'{indent}{ident}["{_mermaid_text(caption)}"]')
                if node.personal_data != "none":
                    lines.append(f"{indent}class {ident} {node.personal_data}")

    emit(None, "  ")
    for edge in graph.edges:
        a, b = f"n{number[edge.source]}", f"n{number[edge.target]}"
        arrow = _ARROW.get(edge.kind, "---")
        label = f'|"{_mermaid_text(edge.label)}"|' if edge.label else ""
        lines.append(f"  {a} {arrow}{label} {b}")
    lines.append("  classDef stores stroke:#d62728,stroke-width:3px")
    lines.append("  classDef processes stroke:#ff7f0e,stroke-width:2px")
    return "\n".join(lines) + "\n"
