"""Cluster backends: kind, the local engine, and how `kds up` picks one."""
