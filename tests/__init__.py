"""The project's tests: unit tests per module, the fake API server, page and browser tests."""
