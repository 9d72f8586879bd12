"""What a person switched on for their turns, beyond the model.

The page keeps these per browser session and hands them to every turn it starts, so a
switch applies from the next turn on. The CLI and the neuro-san tool send the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TurnOptions:
    document_skills: bool = False  # Anthropic's document skills (docx, xlsx, pptx, pdf)
    web_access: bool = False  # the web search and web fetch tools beside code execution
    # Ask for up to three next questions once an answer has ended normally (the page's
    # buttons under the last answer); the CLI and the neuro-san tool show none.
    follow_ups: bool = False


DEFAULT_OPTIONS = TurnOptions()
