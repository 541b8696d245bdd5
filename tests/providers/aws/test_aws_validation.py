"""AWS association rules checked at load, from the route table and network ACL pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossfence import load
from crossfence.errors import BlueprintError

BLUEPRINT = """
clouds: [{name: aws, provider: aws, jurisdiction: US, region: eu-west-3}]
networks:
  - name: vpc
    cloud: aws
    cidr_blocks: [10.0.0.0/16]
    subnets: [{name: a, cidr: 10.0.1.0/24}]
    route_tables:
      - {name: one, main: true, subnets: [a]}
      - name: two
        main: true
        subnets: [a]
        routes:
          - {name: r, destination: 0.0.0.0/0, next_hop_vpn_gateway: nope}
    network_acls:
      - {name: x, default: true, subnets: [a]}
      - {name: y, default: true, subnets: [a]}
"""


def test_one_main_table_one_default_acl_and_one_of_each_per_subnet(tmp_path: Path) -> None:
    """https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html: a VPC has one
    main route table and "a subnet can only be associated with one route table at a time";
    https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html: a VPC has one
    default network ACL and "a subnet can be associated with only one network ACL at a time".
    Route targets must exist."""
    (tmp_path / "bp.yaml").write_text(BLUEPRINT)
    with pytest.raises(BlueprintError) as caught:
        load(tmp_path / "bp.yaml")
    found = {(p.path, p.code) for p in caught.value.problems}
    assert found == {
        ("networks[0].route_tables[1].main", "invalid-value"),
        ("networks[0].route_tables[1].subnets[0]", "invalid-value"),
        ("networks[0].route_tables[1].routes[0].next_hop_vpn_gateway", "unknown-reference"),
        ("networks[0].network_acls[1].default", "invalid-value"),
        ("networks[0].network_acls[1].subnets[0]", "invalid-value"),
    }
