"""The persistent conversation store: SQLite by default, PostgreSQL for several app servers.

`open_store(settings)` opens (and migrates) the database named by
`settings.database_url` and the content-addressed file folder `settings.files_dir`.
"""

from services.store.content import title_from_blocks
from services.store.errors import (
    BytesMissing,
    ConversationNotFound,
    FileNotFound,
    MessageNotFound,
    MigrationError,
    NotFoundError,
    StoreError,
    StoreUnavailable,
)
from services.store.records import (
    LOCAL_OWNER,
    ConversationRow,
    FileDirection,
    MessageRow,
    MessageStatus,
    Role,
    StoredFile,
)
from services.store.restore import to_conversation
from services.store.store import Store, open_store

__all__ = [
    "LOCAL_OWNER",
    "BytesMissing",
    "ConversationNotFound",
    "ConversationRow",
    "FileDirection",
    "FileNotFound",
    "MessageNotFound",
    "MessageRow",
    "MessageStatus",
    "MigrationError",
    "NotFoundError",
    "Role",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "StoredFile",
    "open_store",
    "title_from_blocks",
    "to_conversation",
]
