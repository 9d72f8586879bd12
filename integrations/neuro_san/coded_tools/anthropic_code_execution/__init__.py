"""The coded tools of the `anthropic_code_execution` agent network."""
