"""Queries on what each model of a conversation used: tokens, cost, tokens of no known price."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.conversation import ModelUsage
from services.store.schema import conversations, model_usage
from services.turn.events import TokenCounts


def add_usage(connection: Connection, conversation_id: str, model: str, used: ModelUsage) -> int:
    """Add a turn's usage to its model's row and to the conversation's totals (in SQL:
    two servers may record at once); the number of conversations changed (0: none)."""
    totals = conversations.update().where(conversations.c.id == conversation_id)
    changed = connection.execute(
        totals.values(
            cost_usd=conversations.c.cost_usd + used.cost_usd,
            unpriced_tokens=conversations.c.unpriced_tokens + used.unpriced_tokens,
        )
    ).rowcount
    if changed == 0:
        return 0
    values = _columns(used)
    key = (model_usage.c.conversation_id == conversation_id) & (model_usage.c.model == model)
    added = {name: getattr(model_usage.c, name) + value for name, value in values.items()}
    if connection.execute(model_usage.update().where(key).values(**added)).rowcount == 0:
        row = {"conversation_id": conversation_id, "model": model, **values}
        connection.execute(model_usage.insert().values(**row))
    return changed


def _columns(used: ModelUsage) -> dict[str, int | float]:
    tokens = used.tokens
    return {
        "input_tokens": tokens.input,
        "output_tokens": tokens.output,
        "cache_read_tokens": tokens.cache_read,
        "cache_write_5m_tokens": tokens.cache_write_5m,
        "cache_write_1h_tokens": tokens.cache_write_1h,
        "unpriced_tokens": used.unpriced_tokens,
        "cost_usd": used.cost_usd,
    }


def select_usage(connection: Connection, conversation_id: str) -> dict[str, ModelUsage]:
    """Each model's usage in the conversation, by model name (a stable order to list)."""
    query = (
        sa.select(model_usage)
        .where(model_usage.c.conversation_id == conversation_id)
        .order_by(model_usage.c.model)
    )
    found = {}
    for row in connection.execute(query):
        tokens = TokenCounts(
            int(row.input_tokens),
            int(row.output_tokens),
            int(row.cache_read_tokens),
            int(row.cache_write_5m_tokens),
            int(row.cache_write_1h_tokens),
        )
        found[row.model] = ModelUsage(tokens, float(row.cost_usd), int(row.unpriced_tokens))
    return found


def delete_usage(connection: Connection, conversation_id: str) -> None:
    connection.execute(model_usage.delete().where(model_usage.c.conversation_id == conversation_id))
