"""Group commit of check-ins: a burst shares transactions, each save returns only once its own
transaction is committed, and one bad row never fails the others."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date

import pytest

from bot.app import SupportApp
from bot.checkins.models import CheckIn
from bot.checkins.store import CheckinStore


async def _enrolled(app: SupportApp, count: int) -> list[int]:
    users = [5_000 + i for i in range(count)]
    for user in users:
        await app.checkins.store.enroll(user, 1, "Europe/London", None, None)
    return users


def _committed(app: SupportApp) -> int:
    """Rows another connection can read: only what is committed."""
    with sqlite3.connect(app.db.path) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM checkins").fetchone()[0])


async def test_a_burst_shares_transactions(app: SupportApp, monkeypatch: pytest.MonkeyPatch) -> None:
    store: CheckinStore = app.checkins.store
    users = await _enrolled(app, 60)
    transactions = 0
    real = type(app.db).transaction

    def counting(self):  # type: ignore[no-untyped-def]
        nonlocal transactions
        transactions += 1
        return real(self)

    monkeypatch.setattr(type(app.db), "transaction", counting)
    day = date(2026, 11, 23)
    firsts = await asyncio.gather(*(store.save(u, CheckIn(day, pain=i % 11)) for i, u in enumerate(users)))
    assert firsts == [True] * 60
    assert 1 <= transactions < 10
    assert _committed(app) == 60
    again = await asyncio.gather(store.save(users[0], CheckIn(day, mood=3)), store.save(users[0], CheckIn(day, sleep=4)))
    assert again == [False, False]
    [row] = await store.checkins(users[0])
    assert (row.pain, row.mood, row.sleep) == (0, 3, 4)


async def test_each_save_returns_only_after_its_commit(app: SupportApp) -> None:
    store: CheckinStore = app.checkins.store
    users = await _enrolled(app, 20)
    seen_after: list[int] = []

    async def save_and_look(user: int) -> None:
        await store.save(user, CheckIn(date(2026, 11, 23), pain=5))
        seen_after.append(_committed(app))

    before = _committed(app)
    await asyncio.gather(*(save_and_look(u) for u in users))
    # every caller, when told "saved", could already read its row from another connection
    assert before == 0 and all(n >= 1 for n in seen_after) and _committed(app) == 20


async def test_one_bad_row_does_not_fail_the_batch(app: SupportApp) -> None:
    store: CheckinStore = app.checkins.store
    users = await _enrolled(app, 10)
    stranger = 999_999  # never opted in: the foreign key refuses the row
    day = date(2026, 11, 23)
    results = await asyncio.gather(*(store.save(u, CheckIn(day, pain=1)) for u in [*users[:5], stranger, *users[5:]]),
                                   return_exceptions=True)
    assert [r for r in results if isinstance(r, Exception)] and len([r for r in results if r is True]) == 10
    assert _committed(app) == 10
    await store.drain()
