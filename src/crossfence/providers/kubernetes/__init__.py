"""Kubernetes provider: manifests to endpoints and NetworkPolicy semantics."""
