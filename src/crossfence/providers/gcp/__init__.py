"""Google Cloud provider: VPC networks, routes, peering, Cloud Router, HA VPN, firewalls to IR."""
