"""A fake Anthropic API server for tests, browser tests and a keyless demo.

    from fake_anthropic import FakeAnthropic, Turn, Text, CodeStep, OutFile
    with FakeAnthropic() as fake:
        fake.enqueue(Turn((Text("Hi"),)))
        client = anthropic.Anthropic(api_key="test-key", base_url=fake.base_url)

Run on its own with `python -m fake_anthropic --port 8765 --demo`.
"""

from .demo import demo_turn, sales_chart_png, sales_csv
from .files import StoredFile
from .script import (
    Block,
    CodeStep,
    Drop,
    Fault,
    Hold,
    OutFile,
    RawBlock,
    RecordedRequest,
    Reply,
    SearchResult,
    Step,
    StreamError,
    Text,
    Thinking,
    Turn,
    WebFetch,
    WebSearch,
)
from .server import NO_TURN_LEFT, FakeAnthropic
from .validation import validate_history

__all__ = [
    "NO_TURN_LEFT",
    "Block",
    "CodeStep",
    "Drop",
    "FakeAnthropic",
    "Fault",
    "Hold",
    "OutFile",
    "RawBlock",
    "RecordedRequest",
    "Reply",
    "SearchResult",
    "Step",
    "StoredFile",
    "StreamError",
    "Text",
    "Thinking",
    "Turn",
    "WebFetch",
    "WebSearch",
    "demo_turn",
    "sales_chart_png",
    "sales_csv",
    "validate_history",
]
