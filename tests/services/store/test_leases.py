"""Turn leases in the store: taken, refused while another server holds one, renewed,
lapsed when the heartbeat stops, released; on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import sqlalchemy as sa

from services.store import Store
from services.store.db import utc_now, write_transaction
from services.store.leases import TurnLeases
from services.store.schema import turn_leases


def _age(store: Store, conversation_id: str, seconds: float) -> None:
    """Make the lease's last heartbeat `seconds` old, as if its server stopped then."""
    with write_transaction(store.engine) as connection:
        connection.execute(
            turn_leases.update()
            .where(turn_leases.c.conversation_id == conversation_id)
            .values(heartbeat_at=utc_now() - timedelta(seconds=seconds))
        )


def _heartbeat(store: Store, conversation_id: str):
    with store.engine.connect() as connection:
        query = sa.select(turn_leases.c.heartbeat_at).where(
            turn_leases.c.conversation_id == conversation_id
        )
        return connection.execute(query).scalar_one()


def test_a_free_conversation_is_taken_and_then_held(store: Store) -> None:
    leases = store.leases
    assert leases.holder("c1") is None
    assert leases.take("c1", "server-a")
    assert leases.holder("c1") == "server-a"


def test_another_servers_live_lease_means_busy(store: Store) -> None:
    assert store.leases.take("c1", "server-a")
    assert not store.leases.take("c1", "server-b")
    assert store.leases.holder("c1") == "server-a"
    assert store.leases.take("c2", "server-b")  # other conversations are free


def test_the_holder_takes_its_own_lease_again(store: Store) -> None:
    assert store.leases.take("c1", "server-a")
    assert store.leases.take("c1", "server-a")
    assert store.leases.holder("c1") == "server-a"


def test_renewing_moves_the_heartbeat_of_the_holders_leases_only(store: Store) -> None:
    store.leases.take("c1", "server-a")
    store.leases.take("c2", "server-b")
    _age(store, "c1", 10)
    _age(store, "c2", 10)
    before_a, before_b = _heartbeat(store, "c1"), _heartbeat(store, "c2")
    store.leases.renew(["c1", "c2"], "server-a")
    assert _heartbeat(store, "c1") > before_a
    assert _heartbeat(store, "c2") == before_b
    store.leases.renew([], "server-a")  # nothing running: nothing to do


def test_a_lease_whose_heartbeat_stopped_lapses_and_is_taken_over(store: Store) -> None:
    leases = TurnLeases(store.engine, expire_seconds=15)
    assert leases.take("c1", "server-a")
    _age(store, "c1", 14)
    assert leases.holder("c1") == "server-a"
    assert not leases.take("c1", "server-b")
    _age(store, "c1", 16)
    assert leases.holder("c1") is None
    assert leases.take("c1", "server-b")
    assert leases.holder("c1") == "server-b"


def test_a_renewed_lease_does_not_lapse(store: Store) -> None:
    leases = TurnLeases(store.engine, expire_seconds=15)
    leases.take("c1", "server-a")
    _age(store, "c1", 16)
    leases.renew(["c1"], "server-a")
    assert leases.holder("c1") == "server-a"


def test_released_by_its_holder_only(store: Store) -> None:
    store.leases.take("c1", "server-a")
    store.leases.release("c1", "server-b")  # one taken over meanwhile is not given up
    assert store.leases.holder("c1") == "server-a"
    store.leases.release("c1", "server-a")
    assert store.leases.holder("c1") is None
    assert store.leases.take("c1", "server-b")


def test_servers_claiming_at_once_get_one_lease(store_settings, store: Store) -> None:
    """Several servers (engines of their own) race for one conversation: one wins."""
    from services.store import open_store

    stores = [open_store(store_settings) for _ in range(4)]
    won: list[str] = []
    gate = threading.Barrier(len(stores))

    def claim(index: int, other: Store) -> None:
        gate.wait()
        if other.leases.take("c1", f"server-{index}"):
            won.append(f"server-{index}")

    threads = [threading.Thread(target=claim, args=(i, s)) for i, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for other in stores:
        other.close()
    assert len(won) == 1
    assert store.leases.holder("c1") == won[0]


def test_a_server_whose_clock_is_off_judges_leases_by_the_stores_clock(
    store: Store, monkeypatch
) -> None:
    """Two app servers on one PostgreSQL, the second's clock a minute fast: the first's
    live lease still holds, and the second's heartbeat does not look a minute old."""
    if store.engine.dialect.name != "postgresql":
        # Servers sharing an SQLite file share a machine, and so one clock.
        assert clock_is_local(store)
        return
    leases = TurnLeases(store.engine, expire_seconds=15)
    assert leases.take("c1", "server-a")
    fast = utc_now() + timedelta(seconds=60)
    monkeypatch.setattr("services.store.leases.utc_now", lambda: fast)
    assert leases.holder("c1") == "server-a"
    assert not leases.take("c1", "server-b")
    assert leases.take("c2", "server-b")
    monkeypatch.undo()
    assert leases.holder("c2") == "server-b"


def clock_is_local(store: Store) -> bool:
    from services.store.leases import clock

    with store.engine.connect() as connection:
        return abs((clock(connection) - utc_now()).total_seconds()) < 5
