"""The command line on Terraform inputs: `import` writes a blueprint that answers as the plan does,
`diff --format markdown` is the pull-request comment, bad input exits 2 without a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import crossfence
from crossfence.cli import app

from .plans import R, plan, write
from .test_example import OVERLAY, TERRAFORM, answers

runner = CliRunner()


def test_import_writes_a_blueprint_that_answers_alike(tmp_path: Path) -> None:
    out = tmp_path / "blueprint"
    result = runner.invoke(
        app, ["import", str(TERRAFORM / "plan.json"), "--overlay", str(OVERLAY), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["estate.yaml", "gcp.yaml", "scw.yaml"]
    text = (out / "gcp.yaml").read_text()
    assert "# module.hub.google_compute_network.this (" in text
    assert 'module.spoke["prod"].google_compute_firewall.rules["gke-prod-internal"]' in text
    assert runner.invoke(app, ["validate", str(out), "-q"]).exit_code == 0
    imported = answers(str(out))
    original = answers(str(TERRAFORM / "plan.json"), str(OVERLAY))
    assert imported[0] == original[0]  # the matrix
    assert imported[1:3] == original[1:3]  # findings and suppressed findings
    assert imported[3] == original[3]


def test_import_notes_values_known_after_apply(tmp_path: Path) -> None:
    from .test_read import estate

    resources = estate()
    web = resources[2]
    web.values["network_interface"][0].pop("network_ip")
    web.unknown = {"network_interface": [{"network_ip": True}]}
    web.action = ["create"]
    path = write(tmp_path / "plan.json", plan(resources))
    result = runner.invoke(app, ["import", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "known after apply" in result.output
    assert (
        'known after apply: google_compute_instance.vm["web"].network_interface[0].network_ip (stand-in 10.0.0.254)'
        in (tmp_path / "out" / "gcp.yaml").read_text()
    )


def test_diff_markdown_names_the_new_flow_and_finding() -> None:
    """A plan that opens the Scaleway edge to the internet: the PR comment names the flow newly
    allowed, the new critical finding and the resource it is about."""
    result = runner.invoke(
        app,
        [
            "diff",
            str(TERRAFORM / "state.json"),
            str(TERRAFORM / "variants" / "edge-open" / "plan.json"),
            "--overlay",
            str(OVERLAY),
            "--format",
            "markdown",
        ],
    )
    assert result.exit_code == 1, result.output  # something new is allowed
    text = result.stdout
    assert "🔴 **1 flow newly allowed**" in text
    assert "| `internet` | `scw-edge` | `TCP/443` |" in text
    assert "| 🔴 | critical | `zerotrust.iap-bypass` |" in text
    assert "`module.scaleway.scaleway_lb.edge`" in text


def test_diff_markdown_no_change() -> None:
    result = runner.invoke(
        app,
        [
            "diff",
            str(TERRAFORM / "state.json"),
            str(TERRAFORM / "plan.json"),
            "--overlay",
            str(OVERLAY),
            "--format",
            "markdown",
        ],
    )
    assert "No change in connectivity or findings." in result.stdout


def test_diff_blueprint_against_plan() -> None:
    """OLD may be the YAML blueprint and NEW the plan: the overlay completes the plan by name and
    the blueprint without change."""
    result = runner.invoke(
        app,
        [
            "diff",
            str(TERRAFORM.parent),
            str(TERRAFORM / "plan.json"),
            "--overlay",
            str(OVERLAY),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert '"flows": []' in result.stdout


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("not json at all", "not valid JSON"),
        ('{"resources": []}', "this JSON is not Terraform's"),
        (
            '{"@level":"info","@message":"x","type":"version"}\n{"@level":"info"}\n',
            "terraform show -json plan.tfplan",
        ),
    ],
)
def test_bad_input_exits_2_with_the_file(tmp_path: Path, content: str, says: str) -> None:
    path = tmp_path / "plan.json"
    path.write_text(content)
    if content == "not json at all":
        path.write_text("{" + content)
    for command in (
        ["validate"],
        ["check"],
        ["matrix"],
        ["reach", "--from", "a", "--to", "b"],
        ["import", "-o", str(tmp_path / "o")],
    ):
        result = runner.invoke(app, [command[0], str(path), *command[1:]])
        assert result.exit_code == 2, (command, result.output)
        assert ("Traceback" not in result.output and result.exception is None) or isinstance(
            result.exception, SystemExit
        )
        assert says in result.output and "plan.json" in result.output


def test_missing_reference_exits_2_naming_the_address(tmp_path: Path) -> None:
    path = write(
        tmp_path / "plan.json",
        plan(
            [
                R(
                    "google_compute_subnetwork.a",
                    {
                        "name": "a",
                        "ip_cidr_range": "10.0.0.0/24",
                        "network": "projects/p/global/networks/none",
                        "project": "p",
                    },
                )
            ]
        ),
    )
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert (
        "google_compute_subnetwork.a.network: refers to 'projects/p/global/networks/none'"
        in result.output
    )


def test_unsupported_type_and_unknown_address(tmp_path: Path) -> None:
    """A plan with a resource type crossfence does not read and a VM whose address is allocated at
    apply: a warning per type with its first address, the unknown recorded with its address."""
    from crossfence.estate import unknowns_in

    from .test_read import estate

    resources = estate()
    web = resources[2]
    web.values["network_interface"][0].pop("network_ip")
    web.unknown = {"network_interface": [{"network_ip": True}]}
    resources.append(R("google_sql_database_instance.db", {"name": "db"}))
    path = write(tmp_path / "plan.json", plan(resources))
    result = runner.invoke(app, ["validate", str(path), "--format", "json"])
    assert result.exit_code == 0
    assert (
        "google_sql_database_instance not read (first: google_sql_database_instance.db)"
        in result.stdout
    )
    blueprint = crossfence.load(path)
    answer = crossfence.reach(crossfence.build_topology(blueprint), "35.235.240.7", "web", "tcp/22")
    assert [u.address for u in unknowns_in(blueprint, answer)] == [
        'google_compute_instance.vm["web"].network_interface[0].network_ip'
    ]
