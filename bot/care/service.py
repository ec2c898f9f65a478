"""Care and safety as members meet it: triage before anything else, the right lines for their
country, /help-now, /care and the server's safety settings.

The triage rules and the resource directory are reviewed content (``content/safety``,
``content/resources``). A reload with errors keeps the last good rules, like the FAQ.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from bot.care.buttons import AskForSupport
from bot.care.doctor import describe_safety
from bot.care.engine import SafetyTriage
from bot.care.head import HeadFitError
from bot.care.replies import HELPING_SOMEONE, bold_numbers, help_now_reply, in_country, reply_for
from bot.care.resources import Directory, load_directory
from bot.care.semantic import CACHE_FILE, SemanticLayer, embed_bank, load_exemplars
from bot.care.store import RegionStore
from bot.care.triage import Level, Triage, load_rules
from bot.guilds import GuildSettings
from bot.ops import metrics
from bot.permissions import admins
from bot.problems import Problem, Severity
from bot.safety import SafetyOutcome
from bot.semantic import DEFAULT_MODEL, EncoderError, load_encoder
from bot.ui import Actor, Choice, Reply

if TYPE_CHECKING:
    from bot.core import Core
    from bot.faq.library import FaqLibrary
    from bot.faq.service import FaqService

log = logging.getLogger(__name__)

REGION_LOOKUP_SECONDS = 0.25  # /help-now never waits on the database for longer than this
CARE_TOPICS: dict[str, str] = {
    "gp": "when-to-see-gp",
    "rheumatologist": "rheumatologist",
    "physiotherapist": "physio-ot",
    "psychologist": "psychologist",
    "pain-clinic": "pain-clinic",
    "appointment": "prepare-appointment",
}
ALERT_SENT = (
    "I've let the moderators know you'd like support. They're volunteers, so it may take a little "
    "while. If you are in danger right now, please call your emergency number."
)
ALERT_COOLDOWN = timedelta(minutes=30)  # one alert per member per server in this time
ALERT_ALREADY = (
    "The moderators already know you'd like support: I passed it on {ago}. They're volunteers, so it "
    "may take a little while. If you are in danger right now, please call your emergency number."
)
ALERT_NO_CHANNEL = (
    "This server hasn't set up a moderator alert channel yet, so I couldn't pass that on. Please "
    "message a moderator directly — and if you are in danger right now, call your emergency number."
)


class SafetyLoadError(RuntimeError):
    """Safety content or the sentence model failed to load: the bot must not start without them.

    ``str()`` is one line naming the first file and its problem, for the command line.
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        first = problems[0] if problems else Problem("content/safety", "", "no safety content")
        more = f" (and {len(problems) - 1} more problem(s): run `supportbot content check`)" if len(problems) > 1 else ""
        super().__init__(" ".join(f"The safety triage cannot start: {first}{more}".split()))


def load_safety_content(content_dir: Path) -> tuple[SafetyTriage | None, Directory | None, list[Problem]]:
    """Rules, exemplar bank with its model, and the resource directory, with every problem found."""
    rules, rule_problems = load_rules(content_dir / "safety")
    directory, directory_problems = load_directory(content_dir / "resources")
    problems = [*rule_problems, *directory_problems]
    bank_dir = content_dir / "safety" / "exemplars"
    exemplars, bank_problems = load_exemplars(bank_dir, content_dir)
    problems.extend(bank_problems)
    semantic = None
    if exemplars:
        try:
            encoder = load_encoder()
            vectors = embed_bank(encoder, [e.text for e in exemplars], bank_dir / CACHE_FILE)
            semantic = SemanticLayer(encoder, exemplars, vectors)
        except EncoderError as exc:
            problems.append(Problem(f"sentence model {DEFAULT_MODEL}", "", str(exc)))
        except HeadFitError as exc:
            problems.append(Problem(str(bank_dir), "", f"the semantic layer's heads could not be fitted: {exc}"))
    if rules is None:
        return None, directory, problems
    return SafetyTriage(rules, semantic), directory, problems


def offers_alert(actor: Actor, settings: GuildSettings) -> bool:
    """Whether a crisis reply offers "let a moderator know": the one decision for ``/help-now``,
    ``/faq``, check-in notes and forms alike. Only inside a server that has an alert channel;
    elsewhere (no channel set, a DM) the reply says to message a moderator instead."""
    return actor.guild_id is not None and settings.alert_channel_id is not None


def _errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity is Severity.ERROR]


class SetupHook(Protocol):
    """What another feature adds to ``/setup`` (channel watch: its AutoMod rules and status)."""

    async def after_setup(self, guild_id: int, alert_channel_changed: bool) -> list[str]: ...


class CareService:
    """Safety triage, crisis lines, /help-now, /care and /setup."""

    def __init__(self, core: Core, library: FaqLibrary, faq: FaqService) -> None:
        self.core = core
        self.library = library
        self.faq = faq
        self.setup_hooks: list[SetupHook] = []  # features that add lines to /setup
        self.regions = RegionStore(core.db, core.clock)
        self.triager: SafetyTriage | None = None
        self.directory: Directory | None = None
        # (guild, member) -> when their last alert was posted. Kept in memory only: it says a
        # member asked for help, which is not worth storing; a restart at worst allows one more.
        self._alerted: dict[tuple[int, int], datetime] = {}

    def load(self, *, strict: bool = False) -> list[Problem]:
        """(Re)load rules, exemplars, the model and resources, all or nothing.

        At start-up (``strict``, or nothing loaded yet) any error raises :class:`SafetyLoadError`:
        a bot that cannot recognise crisis must not answer members at all. On a reload with errors
        the last good set keeps being served and the problems are returned for the moderator.
        """
        triager, directory, problems = load_safety_content(self.core.settings.content_dir)
        errors = _errors(problems)
        if errors or triager is None or directory is None:
            if strict or self.triager is None or self.directory is None:
                raise SafetyLoadError(errors or [Problem(str(self.core.settings.content_dir), "", "no safety content")])
            for problem in errors:
                log.error("safety content problem (the last good set stays in force): %s", problem)
            return problems
        self.triager, self.directory = triager, directory
        return problems

    def describe(self) -> list[str]:
        """The safety set in force, for moderators: counts, model and resources' verified dates."""
        if self.triager is None or self.directory is None:
            return ["No safety set is loaded."]
        return describe_safety(self.triager, self.directory)

    # -- triage -------------------------------------------------------------------------------

    def classify(self, text: str) -> Triage:
        if self.triager is None:
            return Triage(Level.NONE)
        triage = self.triager.classify(text)
        metrics.triage_level("gentle" if triage.gentle and triage.level is Level.NONE else triage.level.value)
        return triage

    async def country_for(self, actor: Actor) -> str | None:
        """The member's own country, else the server's default, else None (international)."""
        country, _ = await self.where(actor)
        return country

    async def where(self, actor: Actor) -> tuple[str | None, bool]:
        """The member's country for crisis lines, and whether a crisis reply may offer the
        "let a moderator know" button here (:func:`offers_alert`), in one bounded look-up.

        A slow or broken database must never delay crisis lines: past the time limit the lines
        are the international ones and the member is told to message a moderator, since a
        button whose press may fail is no offer to make someone in crisis.
        """
        try:
            return await asyncio.wait_for(self._where(actor), REGION_LOOKUP_SECONDS)
        except Exception:
            log.warning("region lookup failed; using the international lines")
            return None, False

    async def _where(self, actor: Actor) -> tuple[str | None, bool]:
        own = await self.regions.get(actor.user_id)
        settings = await self.core.guilds.get(actor.guild_id)
        return own or settings.default_country, offers_alert(actor, settings)

    def reply_for(self, triage: Triage, country: str | None, *, can_alert: bool) -> Reply | None:
        """The care reply for ``triage`` in ``country`` (:func:`bot.care.replies.reply_for`)."""
        if self.directory is None:
            return None
        return reply_for(triage, self.directory.for_country(country), self._question_of, can_alert=can_alert)

    def _question_of(self, entry_id: str) -> str | None:
        entry = self.library.get(entry_id)
        return entry.question if entry is not None else None

    async def screen(self, actor: Actor, text: str) -> SafetyOutcome | None:
        # In a worker thread: the semantic layer embeds the text (tens of milliseconds of CPU).
        triage = await asyncio.to_thread(self.classify, text)
        if triage.level is Level.NONE and not triage.gentle:
            return None
        country, can_alert = await self.where(actor)
        reply = self.reply_for(triage, country, can_alert=can_alert)
        if reply is None:
            return None
        level = "gentle" if triage.level is Level.NONE else triage.level.value
        # never the text itself
        log.info("safety triage: %s (%s, %s layer)", level, triage.rule or triage.family, triage.layer)
        return SafetyOutcome(level, triage.rule, reply, layer=triage.layer, confidence=triage.confidence,
                             about_someone_else=triage.topic == HELPING_SOMEONE,
                             gentle=triage.gentle and triage.level is not Level.NONE)

    # -- commands -------------------------------------------------------------------------------

    async def help_now(self, actor: Actor) -> Reply:
        if self.directory is None:
            return Reply.text("If you are in danger right now, please call your local emergency number.")
        country, can_alert = await self.where(actor)
        return help_now_reply(self.directory.for_country(country), can_alert=can_alert)

    async def alert(self, actor: Actor) -> Reply:
        """The member pressed "Let a moderator know": post their mention and request, nothing else."""
        settings = await self.core.guilds.get(actor.guild_id)
        # offers_alert's test, spelt out so that the ids below are known to be set
        if actor.guild_id is None or settings.alert_channel_id is None:
            return Reply.text(ALERT_NO_CHANNEL)
        key = (actor.guild_id, actor.user_id)
        now = self.core.clock.now()
        last = self._alerted.get(key)
        if last is not None and now - last < ALERT_COOLDOWN:
            minutes = int((now - last).total_seconds() // 60)
            ago = "just now" if minutes < 1 else f"{minutes} minute{'s' if minutes != 1 else ''} ago"
            return Reply.text(ALERT_ALREADY.format(ago=ago))
        self._alerted[key] = now  # claimed before the post, so quick double presses send one alert
        self._forget_old_alerts(now)
        post = Reply(content=f"<@{actor.user_id}> would like some support from a moderator. "
                             "(Sent with the bot's support button; nothing they wrote elsewhere is shared.)", ephemeral=False)
        delivery = await self.core.outbox.to_channel(settings.alert_channel_id, post)
        if delivery.value != "sent":
            self._alerted.pop(key, None)  # nothing reached the moderators: the next press may try again
            return Reply.text(ALERT_NO_CHANNEL)
        return Reply.text(ALERT_SENT)

    def _forget_old_alerts(self, now: datetime) -> None:
        if len(self._alerted) > 1000:
            for key in [k for k, at in self._alerted.items() if now - at >= ALERT_COOLDOWN]:
                del self._alerted[key]

    async def care(self, actor: Actor, topic: str) -> Reply:
        entry_id = CARE_TOPICS.get(topic)
        entry = self.library.view(actor.guild_id).get(entry_id) if entry_id else None
        if entry is None:
            return Reply.text("I don't have vetted guidance on that yet. Your GP or doctor is a good first step.")
        return await self.faq.open(actor, entry.id)

    def _known(self) -> str:
        names = [name for _, name in self.directory.countries()] if self.directory else []
        return ", ".join(names) if names else "none yet"

    async def set_region(self, actor: Actor, country: str) -> Reply:
        if country.strip().casefold() in {"clear", "none", "-"}:
            await self.regions.delete(actor.user_id)
            return Reply.text("Done — I've forgotten your country. Crisis lines will follow the server's setting.")
        code = self.directory.resolve(country) if self.directory else None
        name = self.directory.country_name(code) if self.directory and code else None
        if self.directory is None or code is None or name is None:
            return Reply.text(f"I don't recognise {country.strip()[:60]!r} as a country. Type its name in English "
                              f"or its two-letter code (DE for Germany), or pick one from the list. I have crisis "
                              f"lines for: {self._known()}. Nothing was changed.")
        await self.regions.set(actor.user_id, code)
        private = "Only you can see this setting; `/mydata` shows it and can delete it."
        if self.directory.has_lines(code):
            return Reply.text(f"Saved: I'll show the crisis lines {in_country(name)}. {private}")
        return Reply.text(f"Saved: {name}. {self._without_lines(code, name)} {private}")

    def _country_label(self, code: str | None) -> str:
        if not code:
            return "not set (international lines)"
        name = self.directory.country_name(code) if self.directory else None
        return f"{name} ({code})" if name else code

    def _without_lines(self, code: str, name: str, *, who: str = "you") -> str:
        """What a member (``who`` "you") or a server's members, in a country with no reviewed
        lines here, will be shown."""
        assert self.directory is not None
        numbers = self.directory.shared_numbers(code)
        emergency = (f"the emergency number {bold_numbers(numbers)}" if numbers
                     else "a reminder to call your local emergency number")
        return (f"I don't have vetted crisis lines {in_country(name)} yet, so crisis replies will give {who} "
                f"{emergency} and Find A Helpline, which lists lines {in_country(name)}.")

    async def setup(self, actor: Actor, country: str | None = None, moderator_role: int | None = None,
                    alert_channel: int | None = None, audit_channel: int | None = None) -> Reply:
        await self.admin_check(actor)
        assert actor.guild_id is not None
        changes: dict[str, object] = {}
        if country is not None:
            code = self.directory.resolve(country) if self.directory else None
            if code is None:
                return Reply.text(f"I don't recognise {country.strip()[:60]!r} as a country (type its name in "
                                  f"English or its two-letter code; I have crisis lines for: {self._known()}); "
                                  "nothing was changed.")
            changes["default_country"] = code
        for key, value in (("moderator_role_id", moderator_role), ("alert_channel_id", alert_channel),
                           ("audit_channel_id", audit_channel)):
            if value is not None:
                changes[key] = value
        settings = await self.core.guilds.update(actor.guild_id, **changes)
        lines = [
            f"Default country: {self._country_label(settings.default_country)}",
            f"Moderator role: {f'<@&{settings.moderator_role_id}>' if settings.moderator_role_id else 'not set (Manage Server only)'}",
            f"Alert channel: {f'<#{settings.alert_channel_id}>' if settings.alert_channel_id else 'not set'}",
            f"Audit channel: {f'<#{settings.audit_channel_id}>' if settings.audit_channel_id else 'not set'}",
        ]
        for hook in self.setup_hooks:
            lines += await hook.after_setup(actor.guild_id, alert_channel is not None)
        head = "Saved. " if changes else ""
        text = head + "This server's safety settings:\n" + "\n".join(f"• {line}" for line in lines)
        default = settings.default_country
        if default and self.directory is not None and not self.directory.has_lines(default):
            name = self.directory.country_name(default) or default
            text += "\n\n" + self._without_lines(default, name, who="members")
        if moderator_role is not None:
            # Discord hides /faq-admin from anyone without Manage Server until an admin allows the role.
            text += ("\n\nMembers with only the moderator role see `/faq-admin` once you allow it: Server Settings → "
                     "Integrations → this bot → Manage → `/faq-admin` → Add Roles or Members → the role. "
                     "`/faq-admin status` shows where this server stands.")
        return Reply.text(text)

    async def admin_check(self, actor: Actor) -> None:
        """Raise :class:`~bot.permissions.NotAdmin` unless the actor is a server admin."""
        await admins(actor, self.core.guilds)

    async def complete_country(self, actor: Actor, text: str) -> list[Choice]:
        if self.directory is None:
            return []
        return [Choice(f"{name} ({code})" if self.directory.has_lines(code) else f"{name} ({code}), no vetted lines yet",
                       code) for code, name in self.directory.search(text)[:25]]

    async def describe_region(self, user_id: int) -> str | None:
        country = await self.regions.get(user_id)
        return f"Your country for crisis lines: {self._country_label(country)}." if country else None

    async def handle_button(self, actor: Actor, pressed: AskForSupport, values: dict[str, str]) -> Reply:
        """A button of :data:`bot.care.buttons.CARE_IDS`, already parsed by its codec."""
        match pressed:
            case AskForSupport():
                return await self.alert(actor)
        raise TypeError(f"not a care button: {pressed!r}")
