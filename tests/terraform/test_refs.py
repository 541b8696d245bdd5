"""References resolved as Terraform wrote them: by value across files, through the configuration when the plan does not know the value yet.

The configuration's expressions list the `references` of each argument
(https://developer.hashicorp.com/terraform/internals/json-format#expression-representation):
`google_compute_network.hub.self_link`, `var.network` (the module call's expression in the
parent), `module.net.id` (the module's output expression), a resource without its key when the
key is an expression (`each.key`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import crossfence
from crossfence.errors import BlueprintError

from .plans import R, plan, show_state, write

NET = "https://www.googleapis.com/compute/v1/projects/p1/global/networks/hub"


def network(address: str, name: str = "hub", known: bool = True) -> R:
    values = {"name": name, "project": "p1", "auto_create_subnetworks": False}
    if known:
        values |= {
            "self_link": f"https://www.googleapis.com/compute/v1/projects/p1/global/networks/{name}",
            "id": f"projects/p1/global/networks/{name}",
        }
        return R(address, values)
    return R(address, values, unknown={"self_link": True, "id": True}, action=["create"])


def subnet(address: str, name: str, cidr: str, network_value: str | None) -> R:
    values = {"name": name, "project": "p1", "region": "europe-west1", "ip_cidr_range": cidr}
    if network_value is not None:
        values["network"] = network_value
        return R(address, values)
    return R(
        address, values, unknown={"network": True, "self_link": True, "id": True}, action=["create"]
    )


def expressions(address: str, name: str, **references: list[str]) -> dict[str, object]:
    return {
        "address": address,
        "mode": "managed",
        "type": address.split(".")[0],
        "name": name,
        "expressions": {key: {"references": refs} for key, refs in references.items()},
    }


def test_unknown_reference_through_the_configuration(tmp_path: Path) -> None:
    """A network created by the same plan: its self_link is unknown, the configuration says which."""
    resources = [
        network("google_compute_network.hub", known=False),
        subnet("google_compute_subnetwork.a", "hub-a", "10.0.0.0/24", None),
    ]
    configuration = {
        "root_module": {
            "resources": [
                expressions("google_compute_network.hub", "hub"),
                expressions(
                    "google_compute_subnetwork.a",
                    "a",
                    network=["google_compute_network.hub.self_link", "google_compute_network.hub"],
                ),
            ]
        }
    }
    blueprint = crossfence.load(
        write(tmp_path / "plan.json", plan(resources, configuration=configuration))
    )
    assert [s.name for s in blueprint.networks[0].subnets] == ["hub-a"]


def test_through_module_variables_and_outputs(tmp_path: Path) -> None:
    """module.app's subnet takes `var.network`, which the root gives as `module.net.self_link`,
    the net module's output of its network."""
    resources = [
        network("module.net.google_compute_network.this", known=False),
        subnet("module.app.google_compute_subnetwork.a", "app-a", "10.0.0.0/24", None),
    ]
    configuration = {
        "root_module": {
            "module_calls": {
                "net": {
                    "source": "./net",
                    "module": {
                        "resources": [expressions("google_compute_network.this", "this")],
                        "outputs": {
                            "self_link": {
                                "expression": {
                                    "references": [
                                        "google_compute_network.this.self_link",
                                        "google_compute_network.this",
                                    ]
                                }
                            }
                        },
                    },
                },
                "app": {
                    "source": "./app",
                    "expressions": {
                        "network": {"references": ["module.net.self_link", "module.net"]}
                    },
                    "module": {
                        "resources": [
                            expressions("google_compute_subnetwork.a", "a", network=["var.network"])
                        ],
                        "variables": {"network": {}},
                    },
                },
            }
        }
    }
    blueprint = crossfence.load(
        write(tmp_path / "plan.json", plan(resources, configuration=configuration))
    )
    assert blueprint.networks[0].subnets[0].name == "app-a"
    assert blueprint.networks[0].defined_at.address == "module.net.google_compute_network.this"  # type: ignore[union-attr]


def test_for_each_key_matches_the_referrer(tmp_path: Path) -> None:
    """`network = google_compute_network.n[each.key].id`: the references name the resource
    without a key; the subnet's key picks the instance."""
    resources = [
        network('google_compute_network.n["prod"]', "spoke-prod", known=False),
        network('google_compute_network.n["dev"]', "spoke-dev", known=False),
        subnet('google_compute_subnetwork.s["prod"]', "prod-nodes", "10.10.0.0/20", None),
        subnet('google_compute_subnetwork.s["dev"]', "dev-nodes", "10.20.0.0/20", None),
    ]
    configuration = {
        "root_module": {
            "resources": [
                expressions("google_compute_network.n", "n"),
                expressions(
                    "google_compute_subnetwork.s", "s", network=["google_compute_network.n"]
                ),
            ]
        }
    }
    blueprint = crossfence.load(
        write(tmp_path / "plan.json", plan(resources, configuration=configuration))
    )
    assert {n.name: [s.name for s in n.subnets] for n in blueprint.networks} == {
        "spoke-prod": ["prod-nodes"],
        "spoke-dev": ["dev-nodes"],
    }


def test_files_combine_by_value(tmp_path: Path) -> None:
    """A network state and a compute state make one estate: the subnet names the network by its
    self_link, which only the other file holds."""
    write(tmp_path / "network.json", show_state([network("google_compute_network.hub")]))
    write(
        tmp_path / "compute.json",
        show_state([subnet("google_compute_subnetwork.a", "hub-a", "10.0.0.0/24", NET)]),
    )
    blueprint = crossfence.load([tmp_path / "network.json", tmp_path / "compute.json"])
    assert blueprint.networks[0].subnets[0].name == "hub-a"
    # a folder of them reads the same
    assert crossfence.load(tmp_path).model_dump() == blueprint.model_dump()


@pytest.mark.parametrize(
    "value",
    [
        "https://www.googleapis.com/compute/v1/projects/p1/global/networks/hub",
        "projects/p1/global/networks/hub",
        "global/networks/hub",
        "hub",
    ],
)
def test_every_form_of_a_google_reference(tmp_path: Path, value: str) -> None:
    """A self_link, a relative resource name, a partial URL or a bare name all name the network."""
    path = write(
        tmp_path / "s.json",
        show_state(
            [
                network("google_compute_network.hub"),
                subnet("google_compute_subnetwork.a", "hub-a", "10.0.0.0/24", value),
            ]
        ),
    )
    assert crossfence.load(path).networks[0].subnets[0].name == "hub-a"


def test_missing_reference_names_the_file_and_the_address(tmp_path: Path) -> None:
    path = write(
        tmp_path / "plan.json",
        plan(
            [
                subnet(
                    'module.x.google_compute_subnetwork.a["k"]',
                    "a",
                    "10.0.0.0/24",
                    "projects/p1/global/networks/gone",
                )
            ]
        ),
    )
    with pytest.raises(BlueprintError) as error:
        crossfence.load(path)
    problem = error.value.errors[0]
    assert problem.file is not None and problem.file.endswith("plan.json")
    assert problem.path == 'module.x.google_compute_subnetwork.a["k"].network'
    assert (
        "'projects/p1/global/networks/gone', which is no google_compute_network of the files read"
        in problem.message
    )


def test_unknown_without_configuration_is_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path / "plan.json",
        plan(
            [
                network("google_compute_network.hub", known=False),
                subnet("google_compute_subnetwork.a", "a", "10.0.0.0/24", None),
            ]
        ),
    )
    with pytest.raises(BlueprintError) as error:
        crossfence.load(path)
    assert (
        "known only after apply and the plan's configuration does not say which google_compute_network"
        in str(error.value)
    )
