"""The page script Streamlit runs; app.py serves it with security headers."""

from components.page import render_page

render_page()
