"""Check-ins as a member experiences them. Every reply is ephemeral: only the member sees it.

Nothing is stored until the member presses "I agree"; everything can be deleted at any moment.
Logs carry no scores, notes or dates (see ``tests/integration/test_checkins.py``).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta
from typing import TYPE_CHECKING, NoReturn

from bot.checkins.buttons import AGREE, ANSWER, Agree, Answer, BareCheckin
from bot.checkins.days import day_choices, day_problem, parse_day
from bot.checkins.errors import (
    STOPPED_NOTICE,
    CheckinsStopped,
    NotEnrolled,
    PauseLength,
    UnknownTimeZone,
    UnreadableTime,
)
from bot.checkins.export import appointment_summary, to_csv
from bot.checkins.models import CheckIn, format_day, plural, validate
from bot.checkins.reminders import Reminders, next_reminder, parse_hhmm
from bot.checkins.store import CheckinStore, Member
from bot.checkins.streaks import MAX_PAUSE_DAYS, StreakSummary, encouragement, summarize
from bot.checkins.timezones import (
    canonical_zone,
    local_day,
    parse_clock,
    same_real_day,
    zone_choices,
    zone_for_abbreviation,
)
from bot.ui import Actor, Attachment, Button, Card, Choice, Colour, Field, Reply, Style

if TYPE_CHECKING:
    from bot.core import Core
    from bot.privacy import MemberFiles
    from bot.safety import SafetyOutcome

log = logging.getLogger(__name__)

CONSENT = (
    "**Daily check-ins are private and optional.** Here is exactly what happens if you agree:\n\n"
    "• **What is stored:** the answers you choose to give each day (pain, fatigue, sleep quality, "
    "brain fog, mood, flare day, a short note), your time zone and, if you want them, a reminder time.\n"
    "• **Who can see it:** only you. Moderators and server admins cannot see your check-ins, and "
    "every reply about them is visible to you alone.\n"
    "• **Deleting:** `/checkin stop` stops check-ins, and `/mydata action:delete` erases everything "
    "the bot holds about you, for real, at any moment.\n\n"
    "Rest days are built in: missing up to {rest} days in any week never breaks your streak, and "
    "`/checkin pause` freezes it during a hard patch."
)
DM_CLOSED_NOTICE = (
    "A note first: Discord wouldn't let me send your reminder (your DMs from this server are closed, "
    "or we no longer share a server), so I've turned reminders off. You can turn them back on with "
    "`/checkin reminders` after allowing DMs."
)
OTHER_REAL_DAY = (
    "{day} already has a check-in from before you changed time zone, and for you that was a different "
    "day, so I've kept it exactly as it was and saved nothing. Your next local day works as usual."
)
NOTE_NOT_SAVED = (
    "What you wrote matters, so first: the people below are there for you right now.\n\n"
    "**{done}:** {saved}. **Not saved:** your note — I don't keep words like these, and no one else "
    "has seen them."
)
# A note about someone else in danger: the reply below speaks to the helper (the lines support
# people worried about someone too), so this line must not tell them the lines are "for you".
NOTE_ABOUT_SOMEONE_NOT_SAVED = (
    "It sounds like someone you care about may be in danger. Below is how to help them right now, "
    "and the lines, which also support people worried about someone else.\n\n"
    "**{done}:** {saved}. **Not saved:** your note — I don't keep words like these, so nothing "
    "about them is stored, and no one else has seen it."
)
# Under a crisis reply the semantic layer was unsure of (``SafetyOutcome.unsure``): where its false
# alarms sit ("shower wiped me out" is one). The reply and the dropped note stay as they are; the
# member who was only describing their day hears that, and how to add a note again, in a card
# under the lines.
NOTE_MISREAD = (
    "If I've misread you and you were only describing your day, I'm sorry. Your scores are saved "
    "either way, and you can add a note for this day again with `/checkin log`."
)


def resolve_zone(text: str) -> str | None:
    """An IANA zone from what the member typed: a clock abbreviation ("EST" → America/New_York,
    never the fixed-offset legacy zone of that name), an exact name, or a city the list knows
    ("london" → Europe/London) when the member typed instead of picking."""
    abbreviated = zone_for_abbreviation(text)
    if abbreviated is not None:
        return abbreviated
    zone = canonical_zone(text.strip())
    if zone is not None:
        return zone
    wanted = "".join(ch for ch in text.casefold() if ch.isalnum())
    for choice in zone_choices(text)[:5]:
        city = "".join(ch for ch in choice.rsplit("/", 1)[-1].casefold() if ch.isalnum())
        if wanted and city == wanted:
            return choice
    return None


def _read_as(typed: str, zone: str) -> str:
    """A note when an abbreviation was read as a region's zone, so the member can check it."""
    if zone_for_abbreviation(typed) != zone:
        return ""
    return f" (I read {typed.strip()} as {zone}, which moves for summer time by itself)"


def streak_card(summary: StreakSummary, *, updated: bool = False, stopped: bool = False,
                just_logged: bool = False) -> Card:
    """The streak card: encouragement, streak counts and rest days left.

    ``stopped``: the member stopped check-ins and kept them; the card then only shows the
    numbers, since thanking them for checking in, or telling them a rest day is fine, would
    contradict the line above it that says check-ins are stopped.
    """
    rest = plural(summary.rest_days_left_this_week, "rest day")
    return Card(
        title="Your check-ins",
        description=None if stopped else encouragement(summary, updated=updated, just_logged=just_logged),
        fields=[
            Field("Last 28 days", f"{summary.consistency_28} of 28 days", inline=True),
            Field("Current streak", plural(summary.current, "day"), inline=True),
            Field("Longest streak", plural(summary.longest, "day"), inline=True),
            Field("All check-ins", str(summary.total), inline=True),
            Field("Rest days left this week", rest, inline=True),
        ],
        colour=Colour.CARE,
    )


class CheckinService:
    """Every check-in command's handler, for one member at a time."""

    def __init__(self, core: Core, member_files: MemberFiles) -> None:
        self.core = core
        self.member_files = member_files
        self.store = CheckinStore(core.db, core.clock, core.keyring)
        self.reminders = Reminders(self.store, core, lease=timedelta(seconds=core.settings.reminder_lease_seconds))

    # -- helpers --------------------------------------------------------------------------------

    async def _rest_allowance(self, member: Member) -> int:
        settings = await self.core.guilds.get(member.guild_id)
        return settings.rest_days if settings.rest_days is not None else self.core.settings.checkin_rest_days

    async def summary(self, member: Member) -> StreakSummary:
        today = local_day(member.timezone, self.core.clock.now())
        return summarize(await self.store.days(member.user_id), today,
                         rest_allowance=await self._rest_allowance(member),
                         pauses=await self.store.pauses(member.user_id))

    async def _member(self, actor: Actor) -> tuple[Member | None, str | None]:
        """The member's row, and a one-time notice to show first (reminders switched off)."""
        member = await self.store.member(actor.user_id)
        if member is None or not member.active:
            return None, None
        if member.dm_closed:
            await self.store.clear_dm_notice(actor.user_id)
            return member, DM_CLOSED_NOTICE
        return member, None

    async def _not_on(self, actor: Actor) -> NoReturn:
        """Why a command that needs check-ins switched on cannot run: never started, or stopped."""
        member = await self.store.member(actor.user_id)
        if member is not None and not member.active:
            raise CheckinsStopped()
        raise NotEnrolled()

    async def _kept_member(self, actor: Actor) -> tuple[Member | None, str | None]:
        """Like ``_member``, but also a member who stopped and kept their check-ins: reading
        and exporting what they kept must keep working (for an appointment, say)."""
        member = await self.store.member(actor.user_id)
        if member is not None and not member.active:
            return member, STOPPED_NOTICE
        return await self._member(actor)

    async def _guard_day(self, member: Member, day: date) -> str | None:
        """A refusal when ``day`` already holds a check-in logged on a different real day (same
        date, in a zone that never overlaps the current one); None when saving is fine."""
        exists, zone = await self.store.day_zone(member.user_id, day)
        if exists and zone and canonical_zone(zone) and not same_real_day(day, zone, member.timezone):
            return OTHER_REAL_DAY.format(day=format_day(day))
        return None

    def _next(self, zone: str, hhmm: str | None) -> object:
        return next_reminder(zone, parse_hhmm(hhmm), self.core.clock.now()) if hhmm else None

    # -- opt in ---------------------------------------------------------------------------------

    async def start(self, actor: Actor, timezone: str, reminder: str | None = None) -> Reply:
        zone = resolve_zone(timezone)
        if zone is None:
            raise UnknownTimeZone(timezone)
        hhmm: str | None = None
        if reminder and reminder.strip():
            at = parse_clock(reminder)
            if at is None:
                raise UnreadableTime(reminder)
            hhmm = at.strftime("%H:%M")
        existing = await self.store.member(actor.user_id)
        rest = self.core.settings.checkin_rest_days
        text = CONSENT.format(rest=rest)
        if existing is not None and existing.active:
            text = "You already have check-ins on. Agreeing again updates your time zone and reminder.\n\n" + text
        when = f" and a reminder at {hhmm}" if hhmm else " and no reminders"
        return Reply(
            cards=[Card(title="Before you start", description=text, colour=Colour.CARE,
                        footer=f"You chose {zone}{_read_as(timezone, zone)}{when}.")],
            buttons=[
                Button("I agree — start check-ins", AGREE(zone, hhmm), Style.SUCCESS),
                Button("No thanks", ANSWER("decline"), Style.SECONDARY),
            ],
        )

    async def agree(self, actor: Actor, zone: str, reminder: str | None) -> Reply:
        """Consent given: enrol with the zone and reminder ("HH:MM" or None) the button carried."""
        zone_ok = canonical_zone(zone)
        if zone_ok is None:
            raise UnknownTimeZone(zone)
        await self.store.enroll(actor.user_id, actor.guild_id, zone_ok, reminder, self._next(zone_ok, reminder))  # type: ignore[arg-type]
        log.info("a member opted in to check-ins")
        when = f"I'll remind you at {reminder} your time, only on days you haven't checked in." if reminder else \
            "No reminders — `/checkin reminders` can add one any time."
        return Reply(
            content=(
                "You're set up. Use `/checkin log` whenever suits you — every question is optional, "
                f"and a bare check-in counts. {when}\n\nOnly you can see your check-ins."
            ),
            update=True,
        )

    # -- logging --------------------------------------------------------------------------------

    async def log_checkin(
        self, actor: Actor, day: str = "today", pain: int | None = None, fatigue: int | None = None,
        sleep: int | None = None, fog: int | None = None, mood: int | None = None, flare: bool | None = None,
        note: str | None = None,
    ) -> Reply:
        member, notice = await self._member(actor)
        if member is None:
            return await self._not_on(actor)
        note = note.strip() if note and note.strip() else None
        problems = validate(pain=pain, fatigue=fatigue, sleep=sleep, fog=fog, mood=mood, flare=flare, note=note)
        today = local_day(member.timezone, self.core.clock.now())
        target = parse_day(day, today)
        if target is None:
            problems.append(day_problem(day, today))
        if problems:
            return Reply.text("I couldn't save that. " + " ".join(problems) + " Nothing was changed.")
        advice: Reply | None = None
        crisis: SafetyOutcome | None = None
        crisis_lead = NOTE_NOT_SAVED
        urgent = False
        if note:
            outcome = await self.core.screen(actor, note)
            if outcome is not None and outcome.stops:
                # The scores are the member's and stay; the note is dropped, never stored.
                crisis, note = outcome, None
                if outcome.about_someone_else:
                    crisis_lead = NOTE_ABOUT_SOMEONE_NOT_SAVED
            else:
                advice = outcome.reply if outcome is not None else None
                urgent = outcome is not None and outcome.level == "urgent"
        assert target is not None
        refusal = await self._guard_day(member, target)
        if refusal is not None:
            return Reply.text(refusal)
        checkin = CheckIn(target, pain, fatigue, sleep, fog, mood, flare, note)
        first = await self.store.save(actor.user_id, checkin, member.timezone)
        if crisis is not None:
            saved = _saved_fields(pain=pain, fatigue=fatigue, sleep=sleep, fog=fog, mood=mood, flare=flare)
            what = f"your check-in for {'today' if target == today else format_day(target)}" + (
                f" ({saved})" if saved else "")
            misread = [Card(description=NOTE_MISREAD, colour=Colour.INFO)] if crisis.unsure else []  # after the lines
            return Reply(content=crisis_lead.format(done="Saved" if first else "Updated", saved=what),
                         cards=[*crisis.reply.cards, *misread][:10], buttons=crisis.reply.buttons, ephemeral=True)
        summary = await self.summary(member)
        if target == today:
            what = "today"
        elif target == today - timedelta(days=1):
            what = f"yesterday ({format_day(target)})"
        else:
            what = f"{target:%A} {format_day(target)}"  # the day as the member named it
        saved = (f"Saved your check-in for {what}." if first else
                 f"Updated your check-in for {what}: you had already logged that day, so I changed what you "
                 "gave now and kept the rest.")
        cards = [streak_card(summary, updated=not first, just_logged=True)]
        if urgent:
            # Text above the cards is read first; for a red flag that must be the advice to get
            # help, so the "saved" line moves down into the streak card.
            cards[0].description = f"{saved} {cards[0].description or ''}".strip()
        parts = [p for p in (notice, None if urgent else saved) if p]
        buttons: list[Button] = []
        if advice is not None:
            cards = [*advice.cards, *cards]
            buttons = advice.buttons
            if advice.content:
                parts.insert(0, advice.content)
        return Reply(content="\n\n".join(parts), cards=cards, buttons=buttons)

    async def bare(self, actor: Actor, day: date) -> Reply:
        """The one-tap "Check in" button in a reminder DM."""
        member = await self.store.member(actor.user_id)
        if member is None or not member.active:
            raise NotEnrolled()
        today = local_day(member.timezone, self.core.clock.now())
        if day not in {today, today - timedelta(days=1)}:
            return Reply.text("That reminder is from a while ago, so I can't use it now. `/checkin log` works any time.")
        refusal = await self._guard_day(member, day)
        if refusal is not None:
            return Reply.text(refusal)
        first = await self.store.save(actor.user_id, CheckIn(day), member.timezone)
        summary = await self.summary(member)
        done = f"Checked in for {format_day(day)}." if first else f"You'd already checked in for {format_day(day)}; it's kept as it was."
        return Reply(content=f"{done} {encouragement(summary, updated=not first)}", ephemeral=False)

    # -- pauses ---------------------------------------------------------------------------------

    async def pause(self, actor: Actor, days: int) -> Reply:
        member, notice = await self._member(actor)
        if member is None:
            return await self._not_on(actor)
        if not 1 <= days <= MAX_PAUSE_DAYS:
            raise PauseLength()
        today = local_day(member.timezone, self.core.clock.now())
        end = today + timedelta(days=days - 1)
        await self.store.add_pause(actor.user_id, today, end)
        text = (f"Your streak is paused until the end of {format_day(end)}. Take the time you need — "
                "`/checkin resume` ends the pause early.")
        return Reply.text("\n\n".join(p for p in (notice, text) if p))

    async def resume(self, actor: Actor) -> Reply:
        member, _ = await self._member(actor)
        if member is None:
            return await self._not_on(actor)
        ended = await self.store.end_pauses(actor.user_id, local_day(member.timezone, self.core.clock.now()))
        return Reply.text("Welcome back — your pause has ended." if ended else "You don't have a pause running.")

    # -- stats and export -----------------------------------------------------------------------

    async def stats(self, actor: Actor, days: int = 28) -> Reply:
        member, notice = await self._kept_member(actor)
        if member is None:
            raise NotEnrolled()
        days = max(7, min(days, 365))
        today = local_day(member.timezone, self.core.clock.now())
        start = today - timedelta(days=days - 1)
        rows = await self.store.checkins(actor.user_id, since=start)
        summary = await self.summary(member)
        alt, png = await asyncio.to_thread(_chart, rows, start, today)  # keeps the event loop free
        card = streak_card(summary, stopped=not member.active)
        card.fields.append(Field(f"Last {days} days, in words", alt))
        chart = Card(title=f"Your last {days} days", image_filename="checkins.png", colour=Colour.CARE)
        return Reply(content=notice, cards=[card, chart],
                     files=[Attachment("checkins.png", png, description=alt[:1024])])

    async def export(self, actor: Actor, format: str = "csv", notes: bool = False) -> Reply:
        """All the member's check-ins: a CSV (every field, notes included), or a one-page PDF
        summary for an appointment (notes only when the member asks for them)."""
        member, notice = await self._kept_member(actor)
        if member is None:
            raise NotEnrolled()
        kind = (format or "csv").strip().casefold()
        if kind not in {"csv", "pdf"}:
            return Reply.text("I can export your check-ins as csv (a spreadsheet) or pdf (a one-page summary).")
        rows = await self.store.checkins(actor.user_id)
        if not rows:
            return Reply.text("You don't have any check-ins to export yet.")
        today = local_day(member.timezone, self.core.clock.now())
        if kind == "pdf":
            pdf = await asyncio.to_thread(_summary_pdf, rows, today, notes)
            which = "with your notes" if notes else "without your notes (add `notes:true` to include them)"
            return Reply(
                content="\n\n".join(p for p in (notice, f"Here is a one-page summary for your appointment, {which}.") if p),
                files=[Attachment(f"checkin-summary-{today.isoformat()}.pdf", pdf,
                                  description="Your check-in summary")],
            )
        summary = appointment_summary(rows)
        return Reply(
            content="\n\n".join(p for p in (notice, "Here are all your check-ins, for you or your clinician.") if p),
            cards=[Card(title="Summary for appointments", description=summary, colour=Colour.CARE)],
            files=[csv_file(rows, today)],
        )

    # -- reminders, stopping --------------------------------------------------------------------

    async def set_reminders(self, actor: Actor, time: str | None = None, off: bool = False,
                            timezone: str | None = None) -> Reply:
        member, _ = await self._member(actor)
        if member is None:
            return await self._not_on(actor)
        zone = member.timezone
        if timezone:
            zone_ok = resolve_zone(timezone)
            if zone_ok is None:
                raise UnknownTimeZone(timezone)
            zone = zone_ok
            await self.store.set_timezone(actor.user_id, zone, self._next(zone, member.reminder_time))  # type: ignore[arg-type]
        if off:
            await self.store.set_reminder(actor.user_id, None, None)
            return Reply.text("Reminders are off. Your check-ins and streak are unchanged.")
        if time is None:
            if timezone:
                return Reply.text(f"Your time zone is now {zone}{_read_as(timezone, zone)}. Days you've already "
                                  "logged stay as they were.")
            if not member.reminder_time:
                return Reply.text("Your reminders are off. To get one, add a time, for example "
                                  "`/checkin reminders time:8pm`.")
            return Reply.text(f"Your reminder is at {member.reminder_time} ({zone}). Add `time:` to change it "
                              "or `off:true` to stop it.")
        at = parse_clock(time)
        if at is None:
            raise UnreadableTime(time)
        hhmm = at.strftime("%H:%M")
        await self.store.set_reminder(actor.user_id, hhmm, self._next(zone, hhmm))  # type: ignore[arg-type]
        return Reply.text(f"I'll remind you at {hhmm} ({zone}) by DM, only on days you haven't checked in.")

    async def stop(self, actor: Actor) -> Reply:
        member = await self.store.member(actor.user_id)
        if member is None or not member.active:
            return Reply.text("Check-ins are already off for you. Nothing else to do.")
        await self.store.deactivate(actor.user_id)
        count = await self.store.count(actor.user_id)
        if count == 0:  # only the settings are left (time zone, reminder time)
            kept, them = "You have no check-ins saved, only your check-in settings, which are", "them"
        elif count == 1:
            kept, them = "Your check-in is", "it"
        else:
            kept, them = f"Your {count} check-ins are", "them"
        return Reply(
            content=(f"Check-ins and reminders are stopped. {kept} still saved "
                     f"and only you can see {them}. Would you like me to delete {them}?"),
            buttons=[Button("Delete my check-ins", ANSWER("delete"), Style.DANGER),
                     Button("Keep them", ANSWER("keep"), Style.SECONDARY)],
        )

    async def delete(self, actor: Actor) -> Reply:
        await self.store.delete_member(actor.user_id)
        await self.member_files.delete(actor.user_id)  # saved charts and exports hold the same data
        await self.core.db.scrub()  # no copy left in the database log either
        log.info("a member deleted their check-ins")
        return Reply(content="Done — your check-ins, streak and reminder settings are deleted for good.", update=True)

    async def complete_day(self, actor: Actor, text: str) -> list[Choice]:
        """The days that can be logged, in the member's own zone, with the date spelled out."""
        member = await self.store.member(actor.user_id)
        zone = member.timezone if member is not None and canonical_zone(member.timezone) else "UTC"
        today = local_day(zone, self.core.clock.now())
        return [Choice(label, value) for label, value in day_choices(text, today)]

    async def complete_zone(self, actor: Actor, text: str) -> list[Choice]:
        return [Choice(z, z) for z in zone_choices(text)]

    async def handle_button(self, actor: Actor, pressed: Agree | BareCheckin | Answer,
                            values: dict[str, str]) -> Reply:
        """A button of :data:`bot.checkins.buttons.CHECKIN_IDS`, already parsed by its codec."""
        match pressed:
            case Agree(zone, reminder):
                return await self.agree(actor, zone, reminder)
            case BareCheckin(day):
                return await self.bare(actor, day)
            case Answer("decline"):
                return Reply(content="No problem — nothing was saved. `/checkin start` is there if you change your "
                                     "mind.", update=True)
            case Answer("delete"):
                return await self.delete(actor)
            case Answer("keep"):
                return Reply(content="Kept. `/mydata` shows what's stored; you can delete it any time.", update=True)
        raise TypeError(f"not a check-in button: {pressed!r}")


def csv_file(rows: list[CheckIn], day: date) -> Attachment:
    """Every check-in as a CSV file named for ``day`` (``/checkin export`` and ``/mydata export``)."""
    return Attachment(f"checkins-{day.isoformat()}.csv", to_csv(rows), description="Your check-ins (CSV)")


def _saved_fields(**scores: int | bool | None) -> str:
    """The scores that were given, in words, for "what was saved"."""
    names = {"pain": "pain", "fatigue": "fatigue", "sleep": "sleep", "fog": "brain fog", "mood": "mood", "flare": "flare day"}
    parts = []
    for key, value in scores.items():
        if value is None:
            continue
        parts.append(f"{names[key]} {'yes' if value is True else 'no' if value is False else value}")
    return ", ".join(parts)


# matplotlib is imported on the first chart or PDF, in the worker thread that draws it, not at
# start-up: it is about a second of every start (and of every restart after a crash).
def _chart(rows: list[CheckIn], start: date, today: date) -> tuple[str, bytes]:
    from bot.checkins.charts import chart_alt_text, render_chart

    return chart_alt_text(rows, start, today), render_chart(rows, start, today)


def _summary_pdf(rows: list[CheckIn], today: date, notes: bool) -> bytes:
    from bot.checkins.summary_pdf import render_summary_pdf

    return render_summary_pdf(rows, today, include_notes=notes)
