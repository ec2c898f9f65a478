"""Two moderators in the console, as with ``supportbot chat --user alice --moderator``: Alice
proposes through the form (answered field by field), Bob reviews and approves, a member's /faq
answers at once, and the history shows both of them."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import SupportApp
from bot.client import SupportBot
from bot.console.session import CONSOLE_GUILD_ID, Console, console_actor
from bot.moderation.permissions import REFUSAL

QUESTION = "Can a weighted blanket help with fibromyalgia?"
ANSWERS = [
    QUESTION,
    "Some people with fibromyalgia find a weighted blanket calming and sleep better under one. Research is "
    "small so far, so treat it as a comfort to try.",
    "A weighted blanket is heavier than a normal one.\\n\\n**When to see a professional:** talk to your GP if "
    "poor sleep goes on for weeks.",
    "weighted blanket for fibro\\ndo weighted blankets help fibro pain\\nheavy blanket for sleep with fibromyalgia",
    "Fibromyalgia | NHS | 2022 | https://www.nhs.uk/conditions/fibromyalgia/",
]

pytestmark = pytest.mark.both_backends


async def console_bot(app: SupportApp) -> SupportBot:
    await app.moderation.start()
    bot = SupportBot(app)
    await bot.load_features()
    return bot


class Player:
    """One person at the console, with the answers they will type into forms."""

    def __init__(self, app: SupportApp, bot: SupportBot, name: str, files: Path, *, moderator: bool,
                 answers: list[str] | None = None) -> None:
        self.out = io.StringIO()
        typed: Iterator[str] = iter(answers or [])
        self.prompts: list[str] = []

        def ask(prompt: str) -> str | None:
            self.prompts.append(prompt)
            return next(typed, None)

        self.console = Console(app, bot.tree, console_actor(name, moderator=moderator), out=self.out, ask=ask,
                               files_dir=files)

    async def type(self, line: str) -> str:
        start = len(self.out.getvalue())
        await self.console.handle(line)
        return self.out.getvalue()[start:]


async def test_two_moderators_publish_an_entry_from_the_console(app: SupportApp, tmp_path: Path) -> None:
    bot = await console_bot(app)
    alice = Player(app, bot, "alice", tmp_path, moderator=True, answers=ANSWERS)
    bob = Player(app, bot, "bob", tmp_path, moderator=True)
    carol = Player(app, bot, "carol", tmp_path, moderator=False)

    before = await carol.type("/faq can a weighted blanket help with fibromyalgia")
    assert "I don't have a vetted answer for that yet" in before

    proposed = await alice.type("/faq-admin propose category:self-care")
    assert "Propose an FAQ entry" in proposed
    assert [p.split(" (")[0].split(":")[0] for p in alice.prompts] == [
        "Question, as a member would ask it", "Short answer", "Detail, in plain words",
        "Other ways to ask", "Sources",
    ]
    match = re.search(r"Draft #(\d+) is saved: new entry `([a-z0-9-]+)`", proposed)
    assert match, proposed
    rev, entry_id = match.group(1), match.group(2)

    assert "another moderator needs to approve it" in await alice.type(f"/faq-admin approve {entry_id}")
    assert REFUSAL in await carol.type(f"/faq-admin approve {entry_id}")

    review = await bob.type("/faq-admin review")
    assert f"#{rev} · new entry · {entry_id}".upper() in review
    assert "+question: Can a weighted blanket help with fibromyalgia?" in review

    approved = await bob.type("1")  # the first button: "Approve #1"
    assert f"Approved draft #{rev} by alice" in approved

    answer = await carol.type("/faq does a weighted blanket help fibro")
    assert QUESTION.upper() in answer and "NHS" in answer

    history = await bob.type(f"/faq-admin history {entry_id}")
    assert "proposed by alice" in history and "approved by bob" in history


async def test_a_form_with_problems_saves_nothing_in_the_console(app: SupportApp, tmp_path: Path) -> None:
    bot = await console_bot(app)
    wrong = [*ANSWERS[:4], "NHS, 2022"]
    alice = Player(app, bot, "alice", tmp_path, moderator=True, answers=wrong)
    text = await alice.type("/faq-admin propose")
    assert "nothing was stored" in text and "Sources, line 1: write it as" in text
    assert "[file saved:" in text and "your-draft.txt" in text
    assert await app.moderation.store.count_all(CONSOLE_GUILD_ID) == 0  # type: ignore[attr-defined]


async def test_cancelling_the_form_saves_nothing(app: SupportApp, tmp_path: Path) -> None:
    bot = await console_bot(app)
    alice = Player(app, bot, "alice", tmp_path, moderator=True, answers=[QUESTION, "."])
    assert "Form cancelled" in await alice.type("/faq-admin propose")
    assert await app.moderation.store.count_all(CONSOLE_GUILD_ID) == 0  # type: ignore[attr-defined]
