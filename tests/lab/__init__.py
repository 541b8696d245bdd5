"""Tests of the lab: names, state, rendering, planning with a fake machine, and real namespaces as root."""
