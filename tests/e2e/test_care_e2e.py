"""Care and safety end to end: /help-now per country, the moderator button, /setup's real check,
a crisis /faq question, /care guide and /care region."""

from __future__ import annotations

import pytest

from .conftest import World

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("country", "must", "must_not"),
    [
        ("GB", ["116 123", "999"], ["988"]),
        ("US", ["988", "911"], ["116 123"]),
        ("AU", ["13 11 14", "000"], ["988"]),
    ],
)
async def test_help_now_shows_the_members_lines_privately(world: World, country: str, must: list[str],
                                                          must_not: list[str]) -> None:
    await world.fake.slash("care region", country=country, user=world.alice)
    result = await world.fake.slash("help-now", user=world.alice)
    assert result.ephemeral
    for number in must:
        assert number in result.text, number
    for number in must_not:
        assert number not in result.text, number
    assert "not a counsellor" in result.text
    # No alert channel is set in this server: no button that could only say nothing was passed on.
    assert not any(c.label == "Let a moderator know I'd like support" for c in result.components)
    assert "message one of them directly" in result.text


async def test_help_now_without_a_country_lists_the_main_lines_and_the_directory(world: World) -> None:
    result = await world.fake.slash("help-now", user=world.bob)
    assert result.ephemeral and "findahelpline.com" in result.text and "116 123" in result.text


async def test_moderator_button_posts_only_the_request_to_the_alert_channel(world: World) -> None:
    alerts = world.guild.channel("mod-alerts")
    await world.fake.slash("setup", alert_channel=alerts, country="GB", user=world.admin)
    await world.fake.slash("faq", question="i want to end it all", user=world.alice)  # private text elsewhere
    help_now = await world.fake.slash("help-now", user=world.alice)
    button = next(c for c in help_now.components if c.custom_id == "care:alert")
    confirm = await world.fake.click(help_now, button.custom_id, user=world.alice)
    assert confirm.ephemeral and "let the moderators know" in confirm.content
    posts = world.fake.messages_in(alerts)
    assert len(posts) == 1
    assert f"<@{world.alice.id}>" in posts[0].content
    assert "end it all" not in posts[0].content
    sent = world.fake.requests_to(f"POST /channels/{alerts.id}/messages")
    assert sent and sent[-1].json["allowed_mentions"]["parse"] == []


async def test_setup_refuses_members_without_manage_server(world: World) -> None:
    result = await world.fake.slash("setup", country="US", user=world.alice, check=False)
    assert result.ephemeral and "Only server admins" in result.content
    assert (await world.app.guilds.get(world.guild.id)).default_country is None


async def test_setup_saves_the_servers_settings(world: World) -> None:
    role = world.guild.role("Moderators")
    result = await world.fake.slash("setup", country="AU", moderator_role=role, user=world.admin)
    assert result.ephemeral and "Saved" in result.content
    assert "Server Settings → Integrations" in result.content  # the step Discord needs for a role
    settings = await world.app.guilds.get(world.guild.id)
    assert settings.default_country == "AU" and settings.moderator_role_id == role.id
    lines = await world.fake.slash("help-now", user=world.bob)
    assert "13 11 14" in lines.text and "000" in lines.text


async def test_crisis_question_in_faq_gets_crisis_help_and_no_faq_answer(world: World) -> None:
    result = await world.fake.slash("faq", question="i dont want to be here anymore", user=world.alice)
    assert result.ephemeral
    assert "not a counsellor" in result.text
    assert not any("not medical advice" in (e.get("footer") or {}).get("text", "") for e in result.embeds
                   if e.get("title", "").endswith("?"))
    assert await world.app.db.fetchval("SELECT COUNT(*) FROM unanswered_questions") == 0


async def test_red_flag_question_gets_urgent_advice(world: World) -> None:
    result = await world.fake.slash("faq", question="back pain and suddenly cant control my bladder", user=world.alice)
    assert result.ephemeral and "emergency" in result.text.lower()


async def test_dose_question_points_to_a_clinician_with_the_general_entry(world: World) -> None:
    result = await world.fake.slash("faq", question="how much amitriptyline should i take", user=world.alice)
    assert result.ephemeral and "pharmacist" in result.text
    button = next(c for c in result.components if c.custom_id.startswith("faq:open:"))
    opened = await world.fake.click(result, button.custom_id, user=world.alice)
    assert opened.embeds and "amitriptyline" in opened.embeds[0]["title"].lower()


async def test_care_guide_answers_from_vetted_content(world: World) -> None:
    result = await world.fake.slash("care guide", topic="pain-clinic", user=world.alice)
    assert result.ephemeral and result.embeds[0]["title"] == world.app.library.get("pain-clinic").question


async def test_region_autocomplete_and_privacy(world: World) -> None:
    choices = await world.fake.autocomplete("care region", "country", "new", user=world.alice)
    assert "NZ" in choices.values
    saved = await world.fake.slash("care region", country="NZ", user=world.alice)
    assert saved.ephemeral and "New Zealand" in saved.content
    lines = await world.fake.slash("help-now", user=world.alice)
    assert "1737" in lines.text and "111" in lines.text


async def test_region_by_country_name_and_alert_cooldown(world: World) -> None:
    saved = await world.fake.slash("care region", country="United Kingdom", user=world.alice)
    assert "United Kingdom" in saved.content and "don't have" not in saved.content
    alerts = world.guild.channel("mod-alerts")
    await world.fake.slash("setup", alert_channel=alerts, user=world.admin)  # the button needs it
    lines = await world.fake.slash("help-now", user=world.alice)
    assert "116 123" in lines.text
    replies = []
    for _ in range(15):
        replies.append(await world.fake.click(lines, "care:alert", user=world.alice))
    assert len(world.fake.messages_in(alerts)) == 1
    assert all("already know" in r.content for r in replies[1:])
