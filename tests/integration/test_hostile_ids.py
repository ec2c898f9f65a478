"""Random and hostile custom ids against the real app's router: a member or a moderator pressing
a hand-made button gets a clean refusal, nothing raises, and the database does not change."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import SupportApp
from bot.router import STALE
from bot.ui import Actor, Reply
from tests.unit.test_moderation_service import check_limits

GUILD = 900_000_000_000_000_001
MEMBER = Actor(user_id=320_000_000_000_000_001, display_name="Mel", guild_id=GUILD, channel_id=5)
MODERATOR = Actor(user_id=320_000_000_000_000_002, display_name="Mo", guild_id=GUILD, channel_id=5,
                  can_manage_guild=True)
PREFIXES = {"faq", "care", "ci", "mod", "watch", "mydata"}

# Segments a hand-made id might carry: signs, separators, other scripts' digits, huge numbers.
HOSTILE = ["", "-", "--", "-1", "0", "+1", "1_000", " 1", "1.0", "1e3", "NaN", "٣", "߁", "𝟙", "０８００",
           "9999", "2400", "9" * 25, "9" * 400, "9223372036854775808", "a" * 120, "\x00", "\u200b",
           "Europe/Nowhere", "../..", "pacing", "UTC", "2025-02-30", "k", "signed", "up", "alert", ":"]


def valid_ids(app: SupportApp) -> list[str]:
    """Ids these codecs really build, as seeds to mutate (one per kind)."""
    from bot.care.buttons import ALERT, AskForSupport
    from bot.checkins.buttons import AGREE, ANSWER, BARE
    from bot.faq.buttons import OPEN, VOTE
    from bot.moderation import buttons as mod
    from bot.privacy import MYDATA
    from bot.watch.buttons import ALERT_ACTION

    today = app.clock.now().date()
    return [OPEN("pacing"), VOTE(True, "pacing"), ALERT.build(AskForSupport()), AGREE("UTC", "08:00"),
            ANSWER("keep"), BARE(today), mod.OPEN_NEW("0"), mod.OPEN_EDIT("k", "pacing"), mod.SUBMIT_NEW("0"),
            mod.SUBMIT_EDIT("k", "pacing"), mod.AGAIN("edit", "k", "pacing"), mod.APPROVE(1, True),
            mod.DRAFT("show", 1), mod.GAP("dismiss", 1), mod.HISTORY(0, "pacing"), mod.SIGN_OFF("pacing", "0a"),
            mod.WALK("-"), ALERT_ACTION("claim", 1), MYDATA("cancel")]


def mutate(seed: str, how: int, token: str, other: str) -> str:
    parts = seed.split(":")
    if how == 0:
        return seed + ":" + token  # an extra field
    if how == 1:
        return ":".join(parts[:-1])  # the last field missing
    if how == 2:
        i = 1 + (len(token) % max(1, len(parts) - 1))
        return ":".join([*parts[:i], token, *parts[i + 1:]])  # one field replaced
    if how == 3:
        return ":".join([other, *parts[1:]])  # another feature's prefix on this id's fields
    if how == 4:
        return seed.upper()
    return seed + token * 50  # overlong


async def snapshot(app: SupportApp) -> dict[str, list[tuple[Any, ...]]]:
    await app.faq_store.drain()
    await app.checkins.store.drain()
    tables = [r[0] for r in await app.db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return {t: sorted(map(tuple, await app.db.fetchall(f"SELECT * FROM {t}")), key=repr) for t in tables}


async def seed(app: SupportApp) -> None:
    """Something to lose: a member with check-ins, a vote, a region and an unanswered question."""
    from bot.checkins.buttons import AGREE

    await app.router.dispatch(MEMBER, AGREE("Europe/London", "20:00"))
    await app.checkins.log_checkin(MEMBER, pain=4, note="slow morning")
    await app.faq.vote(MEMBER, "pacing", helpful=True)
    await app.care.set_region(MEMBER, country="GB")
    await app.faq.ask(MEMBER, "can my cat learn the trombone")


ids = st.one_of(
    st.text(max_size=120),
    st.builds(lambda p, rest: f"{p}:{rest}", st.sampled_from(sorted(PREFIXES)), st.text(max_size=60)),
    st.builds(lambda p, segs: ":".join([p, *segs]), st.sampled_from(sorted(PREFIXES)),
              st.lists(st.sampled_from(HOSTILE) | st.text(max_size=8), max_size=6)),
)


async def check(app: SupportApp, actor: Actor, custom_id: str) -> Reply | None:
    """Dispatch; when no codec reads the id, require the family's refusal and no change."""
    prefix = custom_id.split(":", 1)[0]
    family = next((f for f in app.router.families if f.prefix == prefix), None)
    malformed = family is None or family.parse(custom_id) is None
    before = await snapshot(app) if malformed else None
    reply = await app.router.dispatch(actor, custom_id)
    check_limits(reply)
    if malformed:
        assert reply.content in ({STALE} if family is None else {family.expired, STALE}), (custom_id, reply)
        assert not reply.buttons and not reply.cards and not reply.files and reply.modal is None
        assert await snapshot(app) == before, custom_id
        return None
    return reply


async def test_the_router_covers_every_feature(app: SupportApp) -> None:
    assert {f.prefix for f in app.router.families} == PREFIXES


@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
async def test_random_ids_get_a_clean_refusal(app: SupportApp, data: st.DataObject) -> None:
    if not await app.db.fetchval("SELECT COUNT(*) FROM checkins"):
        await seed(app)
    actor = data.draw(st.sampled_from([MEMBER, MODERATOR]))
    await check(app, actor, data.draw(ids))


@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
async def test_mutated_real_ids_get_a_clean_refusal(app: SupportApp, data: st.DataObject) -> None:
    if not await app.db.fetchval("SELECT COUNT(*) FROM checkins"):
        await seed(app)
    seeds = valid_ids(app)
    custom_id = mutate(data.draw(st.sampled_from(seeds)), data.draw(st.integers(0, 5)),
                       data.draw(st.sampled_from(HOSTILE)), data.draw(st.sampled_from(sorted(PREFIXES))))
    actor = data.draw(st.sampled_from([MEMBER, MODERATOR]))
    await check(app, actor, custom_id)


async def test_the_issue_examples_through_the_app(app: SupportApp) -> None:
    """``ci:agree:UTC:9999`` is refused kindly and stores nothing; ``０８００`` stores 08:00."""
    refused = await app.router.dispatch(MEMBER, "ci:agree:UTC:9999")
    assert refused.content == "That button has expired. Please run the command again."
    assert await app.checkins.store.member(MEMBER.user_id) is None
    await app.router.dispatch(MEMBER, "ci:agree:UTC:０８００")
    enrolled = await app.checkins.store.member(MEMBER.user_id)
    assert enrolled is not None and enrolled.reminder_time == "08:00"
    for custom_id in ("watch:claim:-1", "watch:claim:" + "9" * 40, "mod:approve:1_0", "faq:vote:up:",
                      "mydata:confirm:now", "care:alert:x"):
        for actor in (MEMBER, MODERATOR):
            assert "expired" in (reply := await app.router.dispatch(actor, custom_id)).content or \
                "no longer" in reply.content, custom_id
