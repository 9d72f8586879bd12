"""Integrations of the assistant into other tools; each keeps its own dependencies."""
