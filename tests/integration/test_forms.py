"""Every form's text goes through the safety triage before the feature sees it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.app import SupportApp
from bot.customid import Family, Kind, OneOf
from bot.ui import Actor, Reply

pytestmark = pytest.mark.both_backends


@dataclass(frozen=True)
class Pressed:
    what: str


async def test_form_text_is_screened_and_content_forms_only_get_a_note(app: SupportApp, member: Actor) -> None:
    """Members' form text stops at a crisis; moderators writing safety content are not blocked."""
    seen: list[dict[str, str]] = []

    async def form(actor: Actor, pressed: Pressed, values: dict[str, str]) -> Reply:
        seen.append(values)
        return Reply.text("saved")

    for prefix, content in (("memberform", False), ("contentform", True)):
        kind = Kind(Pressed, f"{prefix}:{{what}}", what=OneOf("x"))
        app.router.add(Family(prefix, [kind], "expired"), form, content_forms=content)
    crisis = await app.router.dispatch(member, "memberform:x", {"note": "i want to end my life"})
    assert "not a counsellor" in crisis.all_text() and seen == []
    content = await app.router.dispatch(member, "contentform:x", {"detail": "If you feel suicidal, call 988."})
    assert content.content.startswith("saved") and "/help-now" in content.content and len(seen) == 1
    calm = await app.router.dispatch(member, "memberform:x", {"note": "pacing helped today"})
    assert calm.content == "saved"
