"""Entry point: `streamlit run app.py` serves the chat page (app_page.py).

The page is wrapped as an ASGI app to add security headers and guard media files. The
Content-Security-Policy keeps the browser from contacting any other host, so markdown
written by the model (an image link, say) cannot send data elsewhere; framing by other
sites is denied. With sign-in configured, files under `/media/` are served only to the
signed-in person they belong to (components/media_guard.py). A clicked download's bytes
are kept until the browser has fetched them, however busy the server
(components/download_grace.py).
"""

import streamlit as st
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware

from components import download_grace
from components.media_guard import MediaSignIn

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval' blob:",
        "style-src 'self' 'unsafe-inline' blob:",
        "img-src 'self' data: blob:",
        "media-src 'self' data: blob:",
        "font-src 'self' data: blob:",
        "connect-src 'self' data: blob:",
        "frame-src 'self' data: blob:",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


download_grace.install()
app = st.App("app_page.py", middleware=[Middleware(SecurityHeaders), Middleware(MediaSignIn)])
