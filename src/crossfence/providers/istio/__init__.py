"""Istio provider: PeerAuthentication and AuthorizationPolicy semantics."""
