"""The lab: the estate built out of Linux network namespaces, real daemons and real packets, checked against the engine."""
