"""AWS provider: route tables, security groups, NACLs, VGW/TGW to IR."""
