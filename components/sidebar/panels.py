"""The sidebar: key, model and settings, the conversation's files, its container, its cost.

It is drawn before the live turn is followed, so it stays usable while an answer streams.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from components.app_services import Credentials
from components.render.format import escape_markdown, human_size, short_id, when
from components.render.notices import Notice
from components.session import WidgetKey, session
from services.conversation import Conversation, ModelUsage
from services.pricing import ContainerTimeEstimate, conversation_container_estimate

KEY_HELP = "Kept until you reload or close this tab; never written anywhere, cookies included."
_ORIGINS = {"secrets": ".streamlit/secrets.toml", "environment": "the environment"}


def _take_pasted_key() -> None:
    # Moved out of the widget so the text box can be cleared; never logged or stored.
    key = str(st.session_state.get(WidgetKey.API_KEY_INPUT) or "").strip()
    st.session_state[WidgetKey.API_KEY_INPUT] = ""
    if key:
        session().pasted_key = key


def _forget_key() -> None:
    session().pasted_key = None


def render_key_section(creds: Credentials | None) -> None:
    if creds is None:
        st.text_input(
            "Anthropic API key",
            key=WidgetKey.API_KEY_INPUT,
            type="password",
            on_change=_take_pasted_key,
            placeholder="sk-ant-…",
            help=KEY_HELP,
        )
        st.caption("Or set ANTHROPIC_API_KEY in the environment or .streamlit/secrets.toml.")
        return
    if creds.origin == "sidebar":
        st.caption(":material/key: Using the key you pasted (this session only).")
        st.button("Forget key", key="forget_key", on_click=_forget_key, icon=":material/key_off:")
    else:
        st.caption(
            f":material/key: Using the API key from {_ORIGINS.get(creds.origin, creds.origin)}."
        )


def render_model_picker(models: list[str], current: str, disabled: bool) -> str:
    options = models if current in models else [current, *models]
    if st.session_state.get(WidgetKey.MODEL) not in options:
        st.session_state[WidgetKey.MODEL] = current
    return str(st.selectbox("Model", options, key=WidgetKey.MODEL, disabled=disabled))


def render_settings(on_new: Callable[[], None], busy: bool) -> bool:
    expanded = st.toggle("Show code steps expanded", key=WidgetKey.STEPS_EXPANDED)
    st.button(
        "New conversation",
        key="new_conversation",
        on_click=on_new,
        icon=":material/add_comment:",
        disabled=busy,
    )
    return bool(expanded)


def render_container(conversation: Conversation, notice: Notice | None) -> None:
    st.subheader("Code environment", divider="gray")
    if conversation.container_id is None:
        st.caption("Starts with the first code step.")
    else:
        container = escape_markdown(short_id(conversation.container_id))
        last_used = when(conversation.container_last_used)
        st.caption(f":material/deployed_code: Container {container}  \nLast used: {last_used}")
    if notice is not None:
        # The conversation shows the whole notice; here, only what it means now.
        st.warning(
            f"**{escape_markdown(notice.title)}** Files and variables from before are gone.",
            icon=":material/restart_alt:",
        )


def render_cost(conversation: Conversation) -> None:
    """What the conversation cost, per model, as the store holds it (a reload shows the same)."""
    st.subheader("Cost so far", divider="gray")
    usage = dict(conversation.usage)
    lines = [usage_line(model, used, len(usage) > 1) for model, used in usage.items()]
    earlier = conversation.cost_usd - sum(used.cost_usd for used in usage.values())
    if usage and earlier >= 0.00005:  # turns stored before the app counted per model
        lines.append(f"Earlier turns (not counted per model): ${earlier:.4f}")
    if not usage and not conversation.messages:
        lines.append("Tokens: 0 in · 0 out")
    total = cost_text(conversation.cost_usd, conversation.unpriced_tokens)
    lines.append(f"Cost: {total}" if len(usage) < 2 else f"Cost, all models: {total}")
    estimate = conversation_container_estimate(list(conversation.messages))
    lines += container_lines(estimate)
    shown = estimate.executions or estimate.web_turns
    # Dollar signs escaped: two of them on a line would be read as LaTeX.
    text = "  \n".join(lines).replace("$", "\\$")
    st.caption(text, help=estimate.label.replace("$", "\\$") if shown else None)


def container_lines(estimate: ContainerTimeEstimate) -> list[str]:
    lines = []
    if estimate.executions:
        lines.append(
            # An upper bound: each execution counts the five-minute minimum.
            f"Container time (estimate): up to {estimate.billed_hours * 60:.0f} min, "
            f"≈ ${estimate.cost_usd:.4f} (before the monthly free hours)"
        )
    if estimate.web_turns:
        lines.append(
            "Container time (estimate) in turns with web search or fetch: $0 "
            "(not billed when a web tool is in the request)"
        )
    return lines


def usage_line(model: str, used: ModelUsage, named: bool) -> str:
    """One model's tokens (and its cost, when several models share the conversation)."""
    tokens = used.tokens
    line = f"Tokens: {tokens.prompt:,} in · {tokens.output:,} out"
    if tokens.cache_read:
        line += f" ({tokens.cache_read:,} read from cache)"
    if not named:
        return line
    return f"{escape_markdown(model)}: {cost_text(used.cost_usd, used.unpriced_tokens)} · {line}"


def cost_text(cost_usd: float, unpriced_tokens: int) -> str:
    if not unpriced_tokens:
        return f"${cost_usd:.4f}"
    if not cost_usd:
        return "price unknown (the model is not in the price table)"
    return f"${cost_usd:.4f} + price unknown for {unpriced_tokens:,} tokens"


def render_run_counter(runs: int) -> None:
    # Read by the tests to tell reruns apart; in the page, but hidden (components.style).
    with st.container(key="run_counter"):
        st.caption(f"run {runs}")


def limit_text(limit_bytes: int) -> str:
    """'200 MB' rather than '200.0 MB' for a whole number of megabytes."""
    megabytes = limit_bytes / (1024 * 1024)
    if megabytes >= 1 and megabytes.is_integer():
        return f"{megabytes:.0f} MB"
    return human_size(limit_bytes)
