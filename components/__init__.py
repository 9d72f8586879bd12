"""The chat page: Streamlit rendering only (turns, code steps, files, sidebar, composer)."""
