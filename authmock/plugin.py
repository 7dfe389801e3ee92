"""pytest plugin (fixtures arrive with the live-server work)."""
