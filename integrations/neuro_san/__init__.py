"""The assistant as a neuro-san coded tool (`AnthropicCodeExecution`) and agent network.

Only `coded_tools/` imports neuro-san; the modules here use the app's services alone, so
the tool's turns are stored like the page's and the CLI's and show up in the sidebar.
"""
