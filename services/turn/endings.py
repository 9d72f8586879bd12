"""How a turn ended, in the app's terms and in plain words."""

from __future__ import annotations

from typing import Any

from services.turn.events import StopReason

API_STOP_REASONS = {
    "end_turn": StopReason.END_TURN,
    "max_tokens": StopReason.MAX_TOKENS,
    "stop_sequence": StopReason.STOP_SEQUENCE,
    "tool_use": StopReason.TOOL_USE,
    "pause_turn": StopReason.PAUSE_TURN,
    "refusal": StopReason.REFUSAL,
    "model_context_window_exceeded": StopReason.CONTEXT_WINDOW_EXCEEDED,
}


def stop_reason_of(raw: str | None) -> StopReason:
    """The API's stop_reason; one this app does not know counts as a normal end."""
    return API_STOP_REASONS.get(raw or "end_turn", StopReason.END_TURN)


def finish_message(reason: StopReason, raw: str | None, stop_details: Any, cap: int) -> str:
    """What to tell the person beyond the answer itself; "" when nothing needs saying."""
    if reason == StopReason.PAUSE_CAP_REACHED:
        return (
            f"Claude paused this long task {cap} times and the app stopped continuing it "
            "automatically. Send a message such as “continue” to let it go on."
        )
    if reason == StopReason.MAX_TOKENS:
        return "The answer reached its length limit (max_tokens) and was cut short."
    if reason == StopReason.CONTEXT_WINDOW_EXCEEDED:
        return (
            "The conversation no longer fits in the model's context window, so the answer "
            "was cut short. Start a new conversation to go on."
        )
    if reason == StopReason.REFUSAL:
        explanation = stop_details.get("explanation") if isinstance(stop_details, dict) else None
        return "Claude declined to answer this request." + (
            f" {explanation}" if explanation else ""
        )
    if reason == StopReason.TOOL_USE:
        return "Claude asked for a tool this app does not provide, so the turn ended."
    if raw and raw not in API_STOP_REASONS:
        return f"The answer ended with an unfamiliar reason ({raw})."
    return ""
