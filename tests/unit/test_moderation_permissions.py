"""Only moderators moderate: every /faq-admin command, button, form and suggestion refuses a
member kindly, on Discord (the command check) and in the console (the same check, run by it)."""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any

import pytest
from discord import AppCommandOptionType, Permissions

from bot.app import SupportApp
from bot.client import FriendlyCheckFailure, SupportBot
from bot.console.session import Console, console_actor
from bot.frontend import rule_of
from bot.moderation.permissions import REFUSAL
from bot.permissions import NotModerator, moderators
from bot.ui import Actor
from tests.unit.test_moderation_service import ALICE, BLANKET, CAROL, GUILD, moderation, propose

MODERATOR_ROLE = 777_000_000_000_000_001


async def moderation_bot(app: SupportApp) -> SupportBot:
    await moderation(app)
    bot = SupportBot(app)
    await bot.load_features()
    return bot


def admin_commands(bot: SupportBot) -> list[Any]:
    group = bot.tree.get_command("faq-admin")
    assert group is not None
    return list(group.walk_commands())  # type: ignore[union-attr]


def required_options(command: Any) -> str:
    parts = []
    for param in command.parameters:
        if param.required:
            value = "1" if param.type is AppCommandOptionType.integer else "pacing"
            parts.append(f"{param.name}:{value}")
    return " ".join(parts)


def fake_interaction(app: SupportApp, actor: Actor) -> Any:
    """Just what ``actor_from`` and the check read from a discord.Interaction."""
    roles = [SimpleNamespace(id=r, is_default=lambda: False) for r in actor.role_ids]
    return SimpleNamespace(
        user=SimpleNamespace(id=actor.user_id, display_name=actor.display_name, roles=roles),
        permissions=SimpleNamespace(manage_guild=actor.can_manage_guild, administrator=False),
        guild_id=actor.guild_id, channel_id=actor.channel_id, locale=None, client=SimpleNamespace(app=app, core=app.core),
    )


async def test_every_command_is_hidden_from_members_and_guild_only(app: SupportApp) -> None:
    bot = await moderation_bot(app)
    group = bot.tree.get_command("faq-admin")
    assert group is not None
    data = group.to_dict(bot.tree)
    assert int(data["default_member_permissions"]) == Permissions(manage_guild=True).value
    assert group.guild_only  # type: ignore[union-attr]
    names = sorted(c.name for c in admin_commands(bot))
    assert names == ["alias", "approve", "due", "edit", "gaps", "history", "propose", "reject", "reload", "retire",
                     "review", "review-due", "sign-off", "stats", "status"]
    for command in admin_commands(bot):
        assert [rule_of(check) for check in command.checks] == [moderators], command.name


async def test_every_command_refuses_a_member_in_the_console(app: SupportApp, tmp_path: Any) -> None:
    bot = await moderation_bot(app)
    await propose(app, ALICE, BLANKET)
    before = len(app.outbox.channel_posts)
    for command in admin_commands(bot):
        out = io.StringIO()
        console = Console(app, bot.tree, console_actor("carol"), out=out, files_dir=tmp_path)
        await console.handle(f"/faq-admin {command.name} {required_options(command)}".strip())
        text = out.getvalue()
        assert REFUSAL in text, command.name
        assert "(only you can see this)" in text
    assert len(app.outbox.channel_posts) == before
    assert app.library.view(GUILD).get("pacing") is not None


async def test_every_command_check_raises_a_friendly_failure_on_discord(app: SupportApp) -> None:
    bot = await moderation_bot(app)
    for command in admin_commands(bot):
        check = command.checks[0]
        with pytest.raises(FriendlyCheckFailure) as failure:
            await check(fake_interaction(app, CAROL))
        assert failure.value.message == REFUSAL, command.name
        assert await check(fake_interaction(app, ALICE)) is True


async def test_every_handler_refuses_a_member_even_when_called_directly(app: SupportApp) -> None:
    service = await moderation(app)
    arguments: dict[str, dict[str, Any]] = {
        "edit": {"id": "pacing"}, "approve": {"id": "pacing"}, "reject": {"id": "pacing", "reason": "no"},
        "retire": {"id": "pacing", "reason": "no"}, "history": {"id": "pacing"}, "sign_off": {"id": "pacing"},
        "alias": {"question": "1", "entry": "pacing"},
    }
    handlers = {
        "propose": service.propose, "edit": service.edit, "review": service.review, "approve": service.approve,
        "reject": service.reject, "retire": service.retire, "history": service.history, "reload": service.reload,
        "gaps": service.gaps, "stats": service.stats, "due": service.due, "sign_off": service.sign_off,
        "review_due": service.review_due, "status": service.status, "alias": service.add_alias,
    }
    for name, handler in handlers.items():
        with pytest.raises(NotModerator):
            await handler(CAROL, **arguments.get(name, {}))

    assert app.library.view(GUILD).get("pacing") is not None


@pytest.mark.parametrize("custom_id", [
    "mod:open:new:0", "mod:open:edit:k:pacing", "mod:form:new:0", "mod:form:edit:k:pacing", "mod:gap:1",
    "mod:approve:1", "mod:reject:1", "mod:why:1", "mod:show:1", "mod:preview:1", "mod:hist:0:pacing",
    "mod:approve:1:signed", "mod:again:new:0", "mod:again:edit:k:pacing", "mod:dismiss:1", "mod:walk:-",
    "mod:so:pacing:0123456789",
])
async def test_every_button_and_form_refuses_a_member(app: SupportApp, custom_id: str) -> None:
    await moderation(app)
    await propose(app, ALICE, BLANKET)
    reply = await app.router.dispatch(CAROL, custom_id, dict(BLANKET) | {"reason": "no"})
    assert reply.content == REFUSAL and reply.modal is None
    assert (await app.router.dispatch(ALICE, "mod:approve:1")).content != REFUSAL


async def test_suggestions_are_empty_for_members(app: SupportApp) -> None:
    await moderation(app)
    await propose(app, ALICE, BLANKET)
    service = app.moderation
    for complete in (service.complete_entries, service.complete_pending, service.complete_live):
        assert await complete(CAROL, "") == []
        assert await complete(ALICE, "") != []


async def test_the_servers_moderator_role_is_enough(app: SupportApp) -> None:
    await moderation(app)
    helper = Actor(user_id=320, display_name="Dee", guild_id=GUILD, role_ids=frozenset({MODERATOR_ROLE}))
    with pytest.raises(NotModerator):
        await moderators(helper, app.guilds)
    await app.guilds.update(GUILD, moderator_role_id=MODERATOR_ROLE)
    assert await moderators(helper, app.guilds) is None
    other_server = Actor(user_id=320, display_name="Dee", guild_id=GUILD + 1, role_ids=frozenset({MODERATOR_ROLE}))
    with pytest.raises(NotModerator):
        await moderators(other_server, app.guilds)


async def test_nobody_moderates_from_direct_messages(app: SupportApp) -> None:
    await moderation(app)
    in_dms = Actor(user_id=ALICE.user_id, display_name="Alice", guild_id=None, can_manage_guild=True)
    with pytest.raises(NotModerator):
        await moderators(in_dms, app.guilds)
