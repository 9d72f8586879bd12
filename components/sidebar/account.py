"""Who is using the page: the owner of the conversations it shows, and log in / log out.

Without authentication the app is single-user: every conversation belongs to LOCAL_OWNER.
When Streamlit authentication (OIDC, an [auth] section in the secrets) is configured,
`st.user` carries `is_logged_in`, and each conversation belongs to the signed-in person,
named by the identity provider's stable subject id (or, lacking one, the email).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

from components.render.format import escape_markdown
from services.conversations import LOCAL_OWNER


@dataclass(frozen=True)
class Account:
    """The person on the page; `owner` is None when sign-in is required and missing."""

    auth: bool  # authentication is configured
    owner: str | None
    name: str = ""


def _user() -> dict[str, Any]:
    try:
        return dict(st.user.to_dict())
    except Exception:  # no script context: nobody signed in
        return {}


def owner_id(claims: Mapping[str, Any]) -> str | None:
    """A stable id for a signed-in person; never equal to LOCAL_OWNER (it has a prefix)."""
    subject = str(claims.get("sub") or "").strip()
    if subject:
        # Subject ids are unique per issuer only: two providers may reuse one.
        issuer = str(claims.get("iss") or claims.get("provider") or "oidc").strip()
        return f"sub:{issuer}:{subject}"
    email = str(claims.get("email") or "").strip().lower()
    return f"email:{email}" if email else None


def current_account() -> Account:
    claims = _user()
    # st.user has `is_logged_in` only when authentication is configured.
    if "is_logged_in" not in claims:
        return Account(auth=False, owner=LOCAL_OWNER)
    if not claims.get("is_logged_in"):
        return Account(auth=True, owner=None)
    name = str(claims.get("name") or claims.get("email") or "")
    return Account(auth=True, owner=owner_id(claims), name=name)


def _providers() -> list[str]:
    """Named providers ([auth.<name>] sections); empty for the default [auth] one."""
    try:
        section = st.secrets.get("auth") or {}
    except Exception:
        return []
    if "client_id" in section:
        return []
    return [name for name, value in section.items() if isinstance(value, Mapping)]


def render_login(account: Account) -> None:
    """The page of a person who must sign in first: nothing of anyone's is shown."""
    if account.owner is None and _user().get("is_logged_in"):
        st.error(
            "Your sign-in did not say who you are (no subject id or email). "
            "Log out and sign in with another account.",
            icon=":material/person_off:",
        )
        st.button("Log out", key="logout", on_click=st.logout, icon=":material/logout:")
        return
    st.markdown("Log in to see your conversations and start new ones.")
    providers = _providers()
    if not providers:
        st.button("Log in", key="login", on_click=st.login, icon=":material/login:")
        return
    for name in providers:
        st.button(
            f"Log in with {name}",
            key=f"login-{name}",
            on_click=st.login,
            args=(name,),
            icon=":material/login:",
        )


def render_account(account: Account) -> None:
    """Sidebar: who is signed in, and Log out (nothing without authentication)."""
    if not account.auth or account.owner is None:
        return
    if account.name:
        st.caption(f":material/person: Signed in as {escape_markdown(account.name)}")
    st.button("Log out", key="logout", on_click=st.logout, icon=":material/logout:")
