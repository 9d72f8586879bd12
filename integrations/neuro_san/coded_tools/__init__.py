"""Coded tools for neuro-san's AGENT_TOOL_PATH: one folder per agent network."""
