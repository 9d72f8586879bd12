"""Schema migrations: every prefix of the list, with data seeded at each step, on both databases."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from services.files.blobs import BlobStore
from services.store import MigrationError, Store
from services.store.db import UTCDateTime, create_store_engine
from services.store.migrations import MIGRATIONS, Migration, applied_migrations, migrate
from services.store.schema import metadata
from services.turn.events import APP_NOTE_KEY, APP_NOTE_PREFIX

OWNER = "alice@example.com"
NAMES = [migration.name for migration in MIGRATIONS]
WHEN = datetime(2026, 10, 1, 12, 30, tzinfo=UTC)


@pytest.fixture
def engine(database_url):
    created = create_store_engine(database_url)
    yield created
    created.dispose()


@pytest.fixture
def blobs(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "files")


def text(value: str) -> dict:
    return {"type": "text", "text": value}


# --- seeds: rows written the way each schema version wrote them -------------------


@dataclass(frozen=True)
class Seeded:
    """What a seed wrote, for checking after the last migration."""

    conversation_id: str
    title: str
    messages: list[tuple[str, list[dict]]]
    search_word: str
    title_word: str  # a word only in the title, capitalised beyond ASCII
    files: dict[str, bytes] = field(default_factory=dict)
    container_id: str | None = None
    cost_usd: float = 0.0
    usage: dict[str, tuple[int, int]] = field(default_factory=dict)  # model: (in, out)
    follow_ups: dict[int, tuple[str, ...]] = field(default_factory=dict)  # by answer position


_TYPES = {name: UTCDateTime() for name in ("created_at", "updated_at", "container_updated_at")}


def _insert(connection, table: str, **values) -> None:
    columns = [sa.column(name, _TYPES.get(name)) for name in values]
    connection.execute(sa.table(table, *columns).insert().values(**values))


def _conversation(connection, conversation_id: str, title: str, **extra) -> None:
    _insert(
        connection,
        "conversations",
        id=conversation_id,
        owner=OWNER,
        title=title,
        model="claude-sonnet-5",
        created_at=WHEN,
        updated_at=WHEN,
        **extra,
    )


def _message(connection, conversation_id, position, role, content, **extra) -> None:
    _insert(
        connection,
        "messages",
        conversation_id=conversation_id,
        position=position,
        role=role,
        content_json=json.dumps(content),
        status="complete",
        model=None,
        created_at=WHEN,
        updated_at=WHEN,
        **extra,
    )


def _file(connection, blobs, file_id, conversation_id, data: bytes, direction: str) -> None:
    digest, _path = blobs.put(data)
    _insert(
        connection,
        "files",
        id=file_id,
        conversation_id=conversation_id,
        direction=direction,
        name=f"{file_id}.bin",
        mime_type="application/octet-stream",
        size=len(data),
        sha256=digest,
        message_position=1,
        step_id="srvtoolu_seed" if direction == "produced" else None,
        blob_key=digest,
        created_at=WHEN,
    )


LEGACY_NOTE = f"{APP_NOTE_PREFIX}Files attached to this message:\n- $INPUT_DIR/s.csv</app_note>"
TYPED_TAG = f"{APP_NOTE_PREFIX}typed by the person"


def seed_v1(connection, _blobs) -> Seeded:
    written = [
        ("user", [text(LEGACY_NOTE), text(TYPED_TAG), text("Monthly SALES please")]),
        ("assistant", [text("Here are the monthly figures.")]),
    ]
    _conversation(connection, "conv_v1", "Sales ÄRGER v1")
    for position, (role, content) in enumerate(written):
        _message(connection, "conv_v1", position, role, content)
    # Migration 0007 marks the app's own note (by its wording), not the person's text.
    marked = {**text(LEGACY_NOTE), APP_NOTE_KEY: True}
    messages = [("user", [marked, *written[0][1][1:]]), written[1]]
    # Written before search existed: migration 0003 must make it searchable.
    return Seeded("conv_v1", "Sales ÄRGER v1", messages, "figures", title_word="ärger")


def seed_v2(connection, blobs) -> Seeded:
    messages = [("user", [text("Chart churn")]), ("assistant", [text("Churn chart ready")])]
    _conversation(connection, "conv_v2", "Churn ÖFEN v2")
    for position, (role, content) in enumerate(messages):
        _message(connection, "conv_v2", position, role, content)
    _file(connection, blobs, "file_v2_in", "conv_v2", b"a,b\n1,2\n", "uploaded")
    _file(connection, blobs, "file_v2_out", "conv_v2", b"\x89PNG v2", "produced")
    files = {"file_v2_in": b"a,b\n1,2\n", "file_v2_out": b"\x89PNG v2"}
    return Seeded("conv_v2", "Churn ÖFEN v2", messages, "ready", "öfen", files=files)


def seed_v3(connection, blobs) -> Seeded:
    messages = [("user", [text("Forecast Q4")]), ("assistant", [text("The Forecast rises")])]
    _conversation(connection, "conv_v3", "Forecast ÜBUNG v3")
    for position, (role, content) in enumerate(messages):
        search_text = " ".join(block["text"] for block in content).lower()
        _message(connection, "conv_v3", position, role, content, search_text=search_text)
    _file(connection, blobs, "file_v3_out", "conv_v3", b"forecast bytes", "produced")
    files = {"file_v3_out": b"forecast bytes"}
    return Seeded("conv_v3", "Forecast ÜBUNG v3", messages, "rises", "übung", files=files)


def seed_v4(connection, blobs) -> Seeded:
    messages = [("user", [text("Profile this table")])]
    _conversation(
        connection,
        "conv_v4",
        "Profile ÉCOLE v4",
        container_id="container_v4",
        container_expires_at="2026-10-01T13:30:00Z",
        container_updated_at=WHEN,
        cost_usd=1.5,
        unpriced_tokens=0,
    )
    _message(connection, "conv_v4", 0, "user", messages[0][1], search_text="profile this table")
    _file(connection, blobs, "file_v4_in", "conv_v4", b"x,y\n", "uploaded")
    return Seeded(
        "conv_v4",
        "Profile ÉCOLE v4",
        messages,
        search_word="profile",
        title_word="école",
        files={"file_v4_in": b"x,y\n"},
        container_id="container_v4",
        cost_usd=1.5,
    )


def seed_v5(connection, blobs) -> Seeded:
    messages = [
        ("user", [text("Budget for next year")]),
        ("assistant", [text("The budget balances")]),
    ]
    _conversation(
        connection,
        "conv_v5",
        "Budget ÅRET v5",
        container_id="container_v5",
        container_expires_at="2026-10-01T13:30:00Z",
        container_updated_at=WHEN,
        cost_usd=0.75,
        unpriced_tokens=10,
        search_title="budget året v5",
    )
    for position, (role, content) in enumerate(messages):
        search_text = " ".join(block["text"] for block in content).lower()
        _message(connection, "conv_v5", position, role, content, search_text=search_text)
    _file(connection, blobs, "file_v5_out", "conv_v5", b"budget bytes", "produced")
    return Seeded(
        "conv_v5",
        "Budget ÅRET v5",
        messages,
        search_word="balances",
        title_word="året",
        files={"file_v5_out": b"budget bytes"},
        container_id="container_v5",
        cost_usd=0.75,
    )


def seed_v6(connection, blobs) -> Seeded:
    messages = [("user", [text("Forecast the demand")]), ("assistant", [text("Demand grows")])]
    _conversation(
        connection,
        "conv_v6",
        "Forecast ÜBER v6",
        cost_usd=0.25,
        unpriced_tokens=0,
        search_title="forecast über v6",
    )
    for position, (role, content) in enumerate(messages):
        search_text = " ".join(block["text"] for block in content).lower()
        _message(connection, "conv_v6", position, role, content, search_text=search_text)
    _insert(
        connection,
        "model_usage",
        conversation_id="conv_v6",
        model="claude-sonnet-5",
        input_tokens=1200,
        output_tokens=300,
        cost_usd=0.25,
    )
    return Seeded(
        "conv_v6",
        "Forecast ÜBER v6",
        messages,
        search_word="grows",
        title_word="über",
        cost_usd=0.25,
        usage={"claude-sonnet-5": (1200, 300)},
    )


def seed_v7(connection, blobs) -> Seeded:
    note = {**text(f"{APP_NOTE_PREFIX}The code execution environment was reset."), "app_note": True}
    messages = [("user", [note, text("Rebuild the model")]), ("assistant", [text("Rebuilt it")])]
    _conversation(connection, "conv_v7", "Rebuild ÅSA v7", search_title="rebuild åsa v7")
    for position, (role, content) in enumerate(messages):
        _message(connection, "conv_v7", position, role, content, search_text="rebuilt it")
    _file(connection, blobs, "file_v7_in", "conv_v7", b"q,r\n", "uploaded")
    files = {"file_v7_in": b"q,r\n"}
    return Seeded("conv_v7", "Rebuild ÅSA v7", messages, "rebuilt", "åsa", files=files)


def seed_v8(connection, blobs) -> Seeded:
    messages = [("user", [text("Describe it")]), ("assistant", [text("Described")])]
    _conversation(connection, "conv_v8", "Describe ØRE v8", search_title="describe øre v8")
    for position, (role, content) in enumerate(messages):
        _message(connection, "conv_v8", position, role, content, search_text="described")
    _file(connection, blobs, "file_v8_in", "conv_v8", b"a\n1\n", "uploaded")
    profile = {"name": "a.csv", "kind": ".csv", "size": 4, "tables": [], "encoding": "utf-8"}
    connection.execute(
        sa.text("UPDATE files SET profile_json = :p WHERE id = 'file_v8_in'"),
        {"p": json.dumps(profile)},
    )
    files = {"file_v8_in": b"a\n1\n"}
    return Seeded("conv_v8", "Describe ØRE v8", messages, "described", "øre", files=files)


def seed_follow_ups(connection, blobs) -> Seeded:
    messages = [("user", [text("Segment the customers")]), ("assistant", [text("Three segments")])]
    _conversation(connection, "conv_v9", "Segments ÆRØ v9", search_title="segments ærø v9")
    for position, (role, content) in enumerate(messages):
        search_text = " ".join(block["text"] for block in content).lower()
        _message(connection, "conv_v9", position, role, content, search_text=search_text)
    questions = ("Which segment spends most?", "Plot the segments")
    for ordinal, question in enumerate(questions):
        _insert(
            connection,
            "message_follow_ups",
            conversation_id="conv_v9",
            message_position=1,
            ordinal=ordinal,
            question=question,
        )
    return Seeded(
        "conv_v9",
        "Segments ÆRØ v9",
        messages,
        search_word="segments",
        title_word="ærø",
        follow_ups={1: questions},
    )


def seed_deleted_at(connection, blobs) -> Seeded:
    # A conversation kept (deleted_at empty) beside one deleted within its undo window.
    messages = [("user", [text("Undo this")]), ("assistant", [text("Undone")])]
    _conversation(connection, "conv_v12", "Undo ŁÓDŹ v12", search_title="undo łódź v12")
    _conversation(connection, "conv_v12_gone", "Gone v12", search_title="gone v12")
    connection.execute(
        sa.text("UPDATE conversations SET deleted_at = :at WHERE id = 'conv_v12_gone'"),
        {"at": WHEN},
    )
    for position, (role, content) in enumerate(messages):
        _message(connection, "conv_v12", position, role, content, search_text="undone")
    return Seeded("conv_v12", "Undo ŁÓDŹ v12", messages, "undone", "łódź")


def seed_turn_leases(connection, blobs) -> Seeded:
    # A lease row written at 0011 (a server mid-turn) beside a conversation of that version.
    messages = [("user", [text("Smooth the tides")]), ("assistant", [text("Tides smoothed")])]
    _conversation(connection, "conv_v10", "Tides ÐAL v10", search_title="tides ðal v10")
    for position, (role, content) in enumerate(messages):
        _message(connection, "conv_v10", position, role, content, search_text="tides smoothed")
    connection.execute(
        sa.text(
            "INSERT INTO turn_leases (conversation_id, holder, taken_at, heartbeat_at) "
            "VALUES ('conv_v10', 'server-a', :now, :now)"
        ).bindparams(sa.bindparam("now", type_=UTCDateTime())),
        {"now": WHEN},
    )
    return Seeded("conv_v10", "Tides ÐAL v10", messages, "smoothed", "ðal")


def seed_output_failures(connection, blobs) -> Seeded:
    # An answer whose output file could not be saved, with the reason the page gave.
    messages = [("user", [text("Save the dunes")]), ("assistant", [text("Dunes saved")])]
    _conversation(connection, "conv_v13", "Dunes ŞAND v13", search_title="dunes şand v13")
    for position, (role, content) in enumerate(messages):
        _message(connection, "conv_v13", position, role, content, search_text="dunes saved")
    connection.execute(
        sa.text(
            "INSERT INTO output_failures (conversation_id, file_id, message_position, reason) "
            "VALUES ('conv_v13', 'file_dunes', 1, 'Could not save dunes.csv: the disk is full.')"
        )
    )
    return Seeded("conv_v13", "Dunes ŞAND v13", messages, "saved", "şand")


# In the order of MIGRATIONS.
SEEDS: list[Callable[..., Seeded]] = [
    seed_v1, seed_v2, seed_v3, seed_v4, seed_v5, seed_v6, seed_v7, seed_v8, seed_follow_ups,
    seed_deleted_at,
    seed_turn_leases, seed_output_failures,
]  # fmt: skip


def test_a_conversation_deleted_at_v12_stays_hidden_and_is_due_for_its_purge(engine, blobs):
    migrate(engine)
    with engine.begin() as connection:
        seed_deleted_at(connection, blobs)
    store = Store(engine, blobs)
    assert [c.id for c in store.list_conversations(OWNER)] == ["conv_v12"]
    assert store.get_conversation("conv_v12_gone", OWNER) is None
    assert store.deleted_before(datetime.now(UTC)) == [("conv_v12_gone", OWNER)]


def test_profiles_written_at_v8_read_back(engine, blobs):
    migrate(engine)
    with engine.begin() as connection:
        seed_v8(connection, blobs)
    (stored,) = Store(engine, blobs).list_files("conv_v8", OWNER)
    assert stored.profile is not None and stored.profile.encoding == "utf-8"


def test_there_is_a_seed_for_every_migration():
    assert len(SEEDS) == len(MIGRATIONS)


def _check_survived(store: Store, seeded: Seeded) -> None:
    row = store.get_conversation(seeded.conversation_id, OWNER)
    assert row is not None and row.title == seeded.title
    assert (row.container_id, row.cost_usd) == (seeded.container_id, seeded.cost_usd)
    stored = store.load_messages(seeded.conversation_id, OWNER)
    assert [(str(m.role), m.content) for m in stored] == seeded.messages
    for word in (seeded.search_word, seeded.title_word):
        found = store.list_conversations(OWNER, search=word)
        assert [c.id for c in found] == [seeded.conversation_id], word
    assert {f.id: store.read_file(f.id, OWNER) for f in store.list_files(row.id, OWNER)} == (
        seeded.files
    )
    conversation = store.load_conversation(seeded.conversation_id, OWNER)
    assert [m["content"] for m in conversation.messages] == [c for _r, c in seeded.messages]
    used = {m: (u.tokens.input, u.tokens.output) for m, u in conversation.usage.items()}
    assert used == seeded.usage
    assert dict(conversation.follow_ups) == seeded.follow_ups


@pytest.mark.parametrize("version", range(1, len(MIGRATIONS) + 1))
def test_data_written_at_each_version_survives_every_later_migration(engine, blobs, version):
    assert migrate(engine, upto=version) == NAMES[:version]
    with engine.begin() as connection:
        assert applied_migrations(connection) == NAMES[:version]
        seeded = SEEDS[version - 1](connection, blobs)
    assert migrate(engine) == NAMES[version:]
    _check_survived(Store(engine, blobs), seeded)


def test_data_from_every_version_side_by_side(engine, blobs):
    seeded = []
    for version, seed in enumerate(SEEDS, start=1):
        migrate(engine, upto=version)
        with engine.begin() as connection:
            seeded.append(seed(connection, blobs))
    store = Store(engine, blobs)
    for each in seeded:
        _check_survived(store, each)


# --- the record of what ran -----------------------------------------------------------


def test_migrations_are_recorded_in_order_once(engine):
    assert migrate(engine) == NAMES
    assert migrate(engine) == []
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT position, name FROM schema_migrations ORDER BY position")
        ).all()
    assert [(r.position, r.name) for r in rows] == list(enumerate(NAMES, start=1))


def test_migration_names_are_unique_and_numbered_in_order():
    assert len(set(NAMES)) == len(NAMES)
    assert [name[:4] for name in NAMES] == [f"{i:04d}" for i in range(1, len(NAMES) + 1)]


def test_the_schema_module_matches_what_the_migrations_build(engine):
    migrate(engine)
    inspector = sa.inspect(engine)
    for table in metadata.sorted_tables:
        built = {c["name"]: c["nullable"] for c in inspector.get_columns(table.name)}
        declared = {c.name: c.nullable for c in table.columns}
        assert built == declared, table.name


def test_a_database_with_a_different_history_is_refused(engine):
    migrate(engine, upto=1)
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE schema_migrations SET name = 'x_other' WHERE position = 1")
        )
    with pytest.raises(MigrationError):
        migrate(engine)


def _extra(name: str, apply: Callable) -> tuple[Migration, ...]:
    return (*MIGRATIONS, Migration(name, apply))


def test_a_database_migrated_by_a_newer_release_still_opens(engine):
    newer = _extra("0099_newer_table", lambda c: c.exec_driver_sql("CREATE TABLE newer (x INT)"))
    assert migrate(engine, migrations=newer) == [*NAMES, "0099_newer_table"]
    assert migrate(engine) == []


def test_a_failing_migration_leaves_nothing_behind(engine):
    migrate(engine)

    def broken(connection):
        connection.exec_driver_sql("CREATE TABLE half_done (x INT)")
        raise RuntimeError("migration bug")

    with pytest.raises(RuntimeError):
        migrate(engine, migrations=_extra("0099_broken", broken))
    assert not sa.inspect(engine).has_table("half_done")
    with engine.connect() as connection:
        assert applied_migrations(connection) == NAMES


def test_servers_starting_together_migrate_once(database_url):
    engines = [create_store_engine(database_url) for _ in range(4)]
    barrier = threading.Barrier(len(engines))
    applied: list[list[str]] = []
    errors: list[BaseException] = []

    def start(engine):
        try:
            barrier.wait(timeout=30)
            applied.append(migrate(engine))
        except BaseException as error:  # re-raised in the test thread
            errors.append(error)

    threads = [threading.Thread(target=start, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert errors == []
        assert sorted(applied, key=len) == [[], [], [], NAMES]
        with engines[0].connect() as connection:
            assert applied_migrations(connection) == NAMES
    finally:
        for engine in engines:
            engine.dispose()
