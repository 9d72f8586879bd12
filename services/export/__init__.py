"""Exports of a stored conversation: a runnable notebook (alone or in a zip with its inputs,
outputs and requirements), a self-contained HTML report, and Markdown with its images."""
