"""Services of the Code Execution Assistant: everything that is not drawing the page."""
