"""``supportbot ask`` and ``/faq`` are one flow over one database: after a moderator approves an
edit and retires an entry, the command line gives the answer members get, text and all."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from bot.app import SupportApp
from bot.console.render import render
from bot.faq.buttons import FAQ_IDS, Vote
from bot.ui import Actor, Reply
from tests.conftest import CONTENT
from tests.integration.test_cli import supportbot
from tests.unit.test_moderation_service import ALICE, BOB, CAROL, GUILD

NEW_SUMMARY = ("Pacing means planning activity in smaller pieces with rests in between, so that good days "
               "do not lead to crashes. Moderators here rewrote this answer in their own words.")
PACING = "what is pacing"
TAI_CHI = "does tai chi help fibromyalgia"


def entry_of(reply: Reply) -> str | None:
    """The entry an answer is for, read back from its "Helpful" button by the FAQ's own codec."""
    for button in reply.buttons:
        pressed = FAQ_IDS.parse(button.custom_id or "")
        if isinstance(pressed, Vote):
            return pressed.entry
    return None


def ask(database: Path, *questions: str, as_json: bool) -> list[str]:
    out = supportbot("ask", *(["--json"] if as_json else []), "--database", str(database), "--guild", str(GUILD),
                     "-", stdin="".join(f"{q}\n" for q in questions), env={"CONTENT_DIR": str(CONTENT)}, timeout=180)
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines() if as_json else [out.stdout]


def tables(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: sorted(conn.execute(f"SELECT * FROM {n}").fetchall(), key=repr) for n in names}


async def test_ask_gives_the_faq_answer_after_an_approval_and_a_retire(app: SupportApp) -> None:
    database = Path(app.settings.database_path)
    moderation = app.moderation
    before_pacing = await app.faq.ask(CAROL, PACING)
    before_tai_chi = await app.faq.ask(CAROL, TAI_CHI)
    assert entry_of(before_pacing) == "pacing" and entry_of(before_tai_chi) == "tai-chi-yoga"

    form = await moderation.edit(ALICE, id="pacing")
    assert form.modal is not None
    values = {f.custom_id: f.value or "" for f in form.modal.fields} | {"summary": NEW_SUMMARY}
    drafted = await app.router.dispatch(ALICE, form.modal.custom_id, values)
    assert "Draft #" in drafted.all_text(), drafted.all_text()
    await moderation.approve(BOB, id="pacing")
    live = app.library.view(GUILD).get("pacing")
    assert live is not None and live.meta.summary == NEW_SUMMARY
    retired = await moderation.retire(ALICE, id="tai-chi-yoga", reason="Being rewritten.")
    assert "members no longer get this answer" in retired.all_text()
    await app.faq_store.drain()

    member = Actor(user_id=CAROL.user_id + 1, display_name="Dee", guild_id=GUILD, channel_id=CAROL.channel_id)
    faq_pacing = await app.faq.ask(member, PACING)
    faq_tai_chi = await app.faq.ask(member, TAI_CHI)
    assert NEW_SUMMARY in faq_pacing.all_text() and entry_of(faq_tai_chi) != "tai-chi-yoga"
    await app.faq_store.drain()
    stored = tables(database)

    answered, other = (json.loads(line) for line in ask(database, PACING, TAI_CHI, as_json=True))
    assert answered["kind"] == "answer" and answered["id"] == entry_of(faq_pacing) == "pacing"
    assert other.get("id") == entry_of(faq_tai_chi) and other.get("id") != "tai-chi-yoga"
    assert other["kind"] == ("answer" if entry_of(faq_tai_chi) else "no_match")
    (text,) = ask(database, PACING, as_json=False)
    assert text.strip() == render(faq_pacing)[0].strip()  # the very card /faq shows, text for text
    assert NEW_SUMMARY.split(",")[0] in text.replace("\n", " ")
    assert tables(database) == stored  # asking wrote nothing: no statistics, no unanswered question

    # Without the database the command line answers from the files alone, as before.
    base = json.loads(supportbot("ask", "--json", "--database", str(database.parent / "none.sqlite3"), TAI_CHI,
                                 env={"CONTENT_DIR": str(CONTENT)}, timeout=180).stdout)
    assert base["id"] == "tai-chi-yoga" and not (database.parent / "none.sqlite3").exists()
