"""Scaleway provider: VPC, Private Networks, ACLs, security groups, Site-to-Site VPN to IR."""
