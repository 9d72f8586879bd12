"""Web access: the web search and web fetch tools a turn offers beside code execution.

Off unless the person switches it on (`TurnOptions.web_access`). With it on, the
request's tools carry both web tools and the system prompt says Claude may use them.
Only web tools of `_20260209` or later are sent; they need code execution `_20260120`
or later. With other versions configured the web tools are left out, and
`web_access_problem` says why, so the page can disable the switch instead of sending a
request the API refuses.
"""

from __future__ import annotations

from typing import Any

from services.settings import Settings
from services.tool_versions import sdk_versions, tool_of_version, version_date
from services.turn.options import TurnOptions
from services.turn.prompt import SYSTEM_PROMPT
from services.turn.tools import TOOL_NAME

# From these versions on, web tools filter their results with code execution (so they
# need a recent code-execution version) and code execution is not billed separately.
DYNAMIC_FILTERING_SINCE = "20260209"
CODE_EXECUTION_NEEDED = "code_execution_20260120"
# Bounds per request: a turn that loops (and each pause_turn continuation) cannot search
# or fetch without limit, and one fetched page cannot fill the context window.
SEARCH_MAX_USES = 5
FETCH_MAX_USES = 5
FETCH_MAX_CONTENT_TOKENS = 50_000

_OFFLINE = "no internet access)."
_ONLINE = (
    "the container itself has no internet access).\n\n"
    "You may search the web (web_search) and fetch public URLs (web_fetch), for example to "
    "get a public data set by its URL; your code can call them too. Say which pages you "
    "used. Fetch only public pages: never send the person's data to a web address."
)


def web_access_problem(settings: Settings) -> str | None:
    """Why web access cannot be offered with these settings; None when it can."""
    for tool, version, variable in (
        ("web_search", settings.web_search_version, "ASSISTANT_WEB_SEARCH_VERSION"),
        ("web_fetch", settings.web_fetch_version, "ASSISTANT_WEB_FETCH_VERSION"),
    ):
        if version not in sdk_versions(tool):
            return f"{variable} is {version!r}, not a {tool} version this app knows."
        if (version_date(version) or "") < DYNAMIC_FILTERING_SINCE:
            # Older versions cannot be called from code, and the cost estimate counts on
            # every web call coming from a request that makes code execution free.
            return f"{variable} is {version!r}: web access needs {tool}_20260209 or later."
    code_date = version_date(settings.tool_version) or ""
    if tool_of_version(settings.tool_version) != TOOL_NAME or code_date < "20260120":
        return (
            f"Web access needs {CODE_EXECUTION_NEEDED} or later; this app is set to "
            f"{settings.tool_version} (ASSISTANT_TOOL_VERSION)."
        )
    return None


def web_tools_on(settings: Settings, options: TurnOptions) -> bool:
    """Whether this turn's requests carry the web tools."""
    return options.web_access and web_access_problem(settings) is None


def web_tools(settings: Settings) -> list[dict[str, Any]]:
    search = {"type": settings.web_search_version, "name": "web_search"}
    fetch = {"type": settings.web_fetch_version, "name": "web_fetch"}
    search["max_uses"] = SEARCH_MAX_USES
    fetch["max_uses"] = FETCH_MAX_USES
    fetch["max_content_tokens"] = FETCH_MAX_CONTENT_TOKENS
    return [search, fetch]


def request_tools(settings: Settings, options: TurnOptions) -> list[dict[str, Any]]:
    """The request's `tools`: code execution, and the web tools when they are on."""
    tools: list[dict[str, Any]] = [{"type": settings.tool_version, "name": TOOL_NAME}]
    if web_tools_on(settings, options):
        tools.extend(web_tools(settings))
    return tools


def with_web_access(prompt: str) -> str:
    """The system prompt for a turn with the web tools: the sandbox stays offline, Claude
    may search and fetch. Derived from the default prompt, which stays byte-identical."""
    if _OFFLINE not in prompt:
        raise ValueError("the system prompt no longer says the sandbox is offline")
    return prompt.replace(_OFFLINE, _ONLINE, 1)


def system_prompt(settings: Settings, options: TurnOptions) -> str:
    return with_web_access(SYSTEM_PROMPT) if web_tools_on(settings, options) else SYSTEM_PROMPT
