"""What the member sees when triage fires, and for /help-now.

Pure functions from triage results and directory entries to :class:`~bot.ui.Reply`, so every
wording can be tested without Discord. All replies are ephemeral: only the member sees them.

The crisis wording follows the content brief's safe-messaging rules (section 7): warm and direct,
thank them, ask plainly whether they are safe, give their country's lines and emergency number,
say the bot is not a counsellor, encourage reaching someone they trust. It never names methods or
means, never lectures or argues, never promises secrecy, and never gives medicine advice. The
red-flag wording names what was recognised and sends the member to care; it never reassures or
diagnoses.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.care.buttons import ALERT, AskForSupport
from bot.care.resources import Resources, Service
from bot.care.triage import Level, Triage
from bot.faq.buttons import OPEN
from bot.ui import (
    DISCLAIMER,
    EMBED_DESCRIPTION_MAX,
    EMBED_FIELD_NAME_MAX,
    EMBED_FIELD_VALUE_MAX,
    EMBED_FIELDS_MAX,
    EMBED_FOOTER_MAX,
    EMBED_TITLE_MAX,
    EMBED_TOTAL_MAX,
    Button,
    Card,
    Colour,
    Field,
    Reply,
    Style,
    clip,
)

NOT_A_COUNSELLOR = "I'm an automated bot, not a counsellor; the people on these lines are real."
ALERT_LABEL = "Let a moderator know I'd like support"
ALERT_ID = ALERT.build(AskForSupport())
DIAGNOSIS_TOPICS = frozenset({"how-diagnosed", "self-test-questionnaires"})

# What members call the hospital emergency department where they live.
_EMERGENCY_DEPARTMENT = {
    "GB": "A&E",
    "IE": "A&E (the emergency department)",
    "US": "the emergency room (ER)",
    "CA": "the emergency department (ER)",
    "AU": "the emergency department",
    "NZ": "the emergency department",
}


# -------------------------------------------------------------------------------------------
# Building blocks
# -------------------------------------------------------------------------------------------


def _or(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def bold_numbers(numbers: tuple[str, ...] | list[str]) -> str:
    """"**112**", "**112** or **999**": numbers as every reply shows them."""
    return _or([f"**{n}**" for n in numbers])


def _contact_lines(service: Service) -> list[str]:
    """One line per way in ("Call or text **988**", "Chat online: [988lifeline.org](...)"); a call
    and a text on the same number share a line."""
    lines: list[str] = []
    done: set[int] = set()
    for i, contact in enumerate(service.contacts):
        if i in done:
            continue
        note = f" ({contact.note})" if contact.note else ""
        if contact.method in ("call", "text"):
            pair = "text" if contact.method == "call" else "call"
            twin = next(
                (
                    j
                    for j, other in enumerate(service.contacts)
                    if j not in done and j != i and other.method == pair and other.value == contact.value
                ),
                None,
            )
            if twin is not None:
                done.add(twin)
                twin_note = service.contacts[twin].note
                note += f" ({twin_note})" if twin_note else ""
                lines.append(f"Call or text **{contact.value}**{note}")
            else:
                lines.append(f"{contact.method.capitalize()} **{contact.value}**{note}")
        else:
            label = "Chat online" if contact.method == "chat" else "Online"
            lines.append(f"{label}: [{contact.value}]({contact.link}){note}")
        done.add(i)
    return lines


def _service_text(service: Service) -> str:
    head = f"**{service.name}** · {service.hours}"
    return "\n".join([head, *_contact_lines(service)])


def _compact(service: Service) -> str:
    """One line per service for the short list of other countries."""
    return f"{service.name}: " + "; ".join(line.replace("**", "") for line in _contact_lines(service))


def _field(name: str, value: str) -> Field:
    return Field(clip(name, EMBED_FIELD_NAME_MAX), clip(value, EMBED_FIELD_VALUE_MAX))


def _card(
    title: str, description: str, fields: list[Field], colour: Colour, footer: str | None = None
) -> Card:
    """A card within every Discord limit, the 6,000-character total included.

    Fields come in order of importance: when the total would be too long, the earlier ones stay
    whole and the later ones are shortened, then left out.
    """
    card = Card(
        title=clip(title, EMBED_TITLE_MAX),
        description=clip(description, EMBED_DESCRIPTION_MAX),
        footer=clip(footer, EMBED_FOOTER_MAX) if footer else None,
        colour=colour,
    )
    budget = EMBED_TOTAL_MAX - card.char_count()
    for f in fields[:EMBED_FIELDS_MAX]:
        room = min(EMBED_FIELD_VALUE_MAX, budget - len(f.name))
        if room < 40:
            break
        value = clip(f.value, room)
        card.fields.append(Field(f.name, value, f.inline))
        budget -= len(f.name) + len(value)
    return card


def in_country(country_name: str) -> str:
    """A country after "in", with "the" where its name needs it (in the United Kingdom, in Ireland)."""
    the = country_name.startswith(("United ", "Netherlands", "Philippines", "Czech Republic"))
    return f"in the {country_name}" if the else f"in {country_name}"


def _emergency_call(resources: Resources, *, bold: bool = True) -> str:
    """The "call **999**" clause; for the fallback, the local number with labelled examples.

    ``bold=False`` when the sentence is already bold: Discord markdown cannot nest bold.
    """
    if resources.emergency_numbers:
        numbers = list(resources.emergency_numbers)
        return f"call {bold_numbers(numbers) if bold else _or(numbers)}"
    examples = [
        f"{_or(list(r.emergency_numbers))} {in_country(r.country_name)}"
        for r in resources.others
        if r.emergency_numbers
    ]
    if not examples:
        return "call your local emergency number"
    return "call your local emergency number (for example " + "; ".join(examples) + ")"


def _where(resources: Resources) -> str:
    """The sentence that says whose lines these are, when they are not the member's own."""
    if resources.is_fallback:
        return "I don't know which country you're in, so here are the main lines."
    if resources.unlisted:
        return (f"I don't have vetted crisis lines {in_country(resources.country_name)} yet: "
                f"Find A Helpline, below, lists lines there.")
    return ""


def _directory_heading(resources: Resources) -> str:
    if resources.unlisted:
        return f"Find a line {in_country(resources.country_name)}"
    return "Another country? Find a line near you"


def _lines_fields(resources: Resources) -> list[Field]:
    """The crisis lines: the member's country, or the main countries when we don't know theirs."""
    fields: list[Field] = []
    if not resources.is_fallback:
        if resources.crisis:
            value = "\n\n".join(_service_text(s) for s in resources.crisis)
            fields.append(_field(f"Talk to someone now · {resources.country_name}", value))
    else:
        for other in resources.others:
            if other.crisis:
                fields.append(_field(other.country_name, "\n".join(_compact(s) for s in other.crisis)))
    return fields


def _directory_field(resources: Resources, *, heading: str) -> list[Field]:
    if not resources.international:
        return []
    lines = []
    for service in resources.international:
        links = [f"[{c.value}]({c.link})" for c in service.contacts if c.method in ("web", "chat")]
        note = next((c.note for c in service.contacts if c.note), None)
        lines.append(f"**{service.name}**: {' · '.join(links)}" + (f" ({note})" if note else ""))
    return [_field(heading, "\n".join(lines))]


def _emergency_field(resources: Resources) -> Field:
    if resources.emergency_numbers:
        return _field(
            f"Emergency · {resources.country_name}", f"Call {bold_numbers(resources.emergency_numbers)}"
        )
    call = _emergency_call(resources)
    return _field("Emergency", call[0].upper() + call[1:])


def _alert_button() -> Button:
    return Button(label=ALERT_LABEL, custom_id=ALERT_ID, style=Style.PRIMARY)


ALERT_OFFER = "If you'd like a moderator here to check in with you, press the button below."
ALERT_ELSEWHERE = "If you'd like a moderator to check in with you, message one of them directly."


def moderator_offer(*, can_alert: bool) -> tuple[str, list[Button]]:
    """The one way every crisis reply (``/help-now``, ``/faq``, check-in notes, forms) offers a
    moderator: the button where the server has an alert channel, and otherwise the plain advice
    to message one, since a button that can only answer "nothing was passed on" lets a member in
    crisis down at the worst moment."""
    if can_alert:
        return ALERT_OFFER, [_alert_button()]
    return ALERT_ELSEWHERE, []


# -------------------------------------------------------------------------------------------
# Replies
# -------------------------------------------------------------------------------------------


def crisis_reply(resources: Resources, *, can_alert: bool) -> Reply:
    """The reply to a crisis message: warm, direct, the member's lines first.

    ``can_alert``: whether this server has a moderator alert channel (:func:`moderator_offer`).
    """
    offer, buttons = moderator_offer(can_alert=can_alert)
    where = _where(resources)
    description = "\n\n".join(
        part
        for part in (
            "Thank you for telling me. I'm taking what you wrote seriously, and I'm glad you reached out.",
            "**Are you safe right now? Are you thinking about suicide?** It's okay to say it, and the "
            "people on the lines below are there to listen. You don't have to carry this on your own.",
            "**If you are in danger right now, or you've already hurt yourself, "
            f"{_emergency_call(resources, bold=False)} now.**",
            where,
            NOT_A_COUNSELLOR,
            offer,
        )
        if part
    )
    fields = _lines_fields(resources)
    fields += _directory_field(resources, heading=_directory_heading(resources))
    fields.append(
        _field(
            "For the next few hours",
            "• Reach out to someone you trust and tell them how you're feeling.\n"
            "• Try to stay with other people rather than on your own.\n"
            "• If there's anything nearby you could use to hurt yourself, put some distance between "
            "you and it.",
        )
    )
    card = _card("You matter, and help is here", description, fields, Colour.CRISIS)
    return Reply(cards=[card], buttons=buttons, ephemeral=True)


_HELP_NOW_FALLBACK = ("I don't know which country you're in, so here are the main lines; Find A Helpline "
                      "covers many more countries.")
_HELP_NOW_LISTEN = "The people on the lines below are there to listen."


def help_now_reply(resources: Resources, *, can_alert: bool) -> Reply:
    """/help-now: the lines and emergency number, and a button to ask a moderator for support.

    ``can_alert`` False (no alert channel here, or a DM): no button, since pressing it could only
    say that nothing was passed on; the member is told to message a moderator instead.
    """
    offer, buttons = moderator_offer(can_alert=can_alert)
    description = "\n\n".join(
        part
        for part in (
            f"**If you are in danger right now, {_emergency_call(resources, bold=False)}.**",
            _HELP_NOW_FALLBACK if resources.is_fallback else _where(resources) or _HELP_NOW_LISTEN,
            NOT_A_COUNSELLOR,
            offer,
        )
        if part
    )
    fields = [*_lines_fields(resources), _emergency_field(resources)]
    fields += _directory_field(resources, heading=_directory_heading(resources))
    card = _card("Help right now", description, fields, Colour.CRISIS)
    return Reply(cards=[card], buttons=buttons, ephemeral=True)


def _recognised(triage: Triage, fallback: str) -> str:
    """What the message was recognised as, in words that claim no more than the layer knows.

    A rule matched the member's own words, so "your message mentions X" is true. The semantic
    layer only found the message *close to* a family of exemplars: stating that family's detail as
    fact told a member who wrote about punching their legs that they had mentioned numbness in the
    groin. So a semantic result says what the message may describe."""
    what = triage.detail or fallback
    if triage.layer == "semantic":
        return f"Your message sounds like it may describe **{what}**"
    return f"Your message mentions **{what}**"


def urgent_reply(triage: Triage, resources: Resources) -> Reply:
    """Red-flag advice: emergency care now, or a same-day appointment, naming what was recognised."""
    recognised = _recognised(triage, "a warning sign that needs checking")
    department = _EMERGENCY_DEPARTMENT.get(resources.country or "", "the nearest emergency department")
    cannot_examine = (
        "I'm an automated bot and can't examine you, so please let a clinician check rather than "
        "waiting to see if it settles."
    )
    if triage.topic == "same-day":
        title = "Please get this checked today"
        if resources.non_emergency:
            local = "; or ".join(_same_day_service(s) for s in resources.non_emergency)
            how = f"Call your GP practice and ask for an urgent same-day appointment, or use {local}."
        else:
            how = (
                "Contact your doctor's practice today and ask for an urgent appointment, or go to a "
                "local urgent care or after-hours clinic."
            )
        description = "\n\n".join(
            (
                f"{recognised}. That should be checked by a doctor **today**, not "
                "at a routine appointment.",
                how,
                f"If it gets worse, or you feel very unwell, {_emergency_call(resources)} or go to {department}.",
                cannot_examine,
            )
        )
    else:
        title = "Please get medical help now"
        description = "\n\n".join(
            (
                f"{recognised}. That can be a sign of something that needs "
                "treatment straight away, so please don't wait for a routine appointment.",
                f"**Please {_emergency_call(resources, bold=False)} now, or go to {department}.**",
                cannot_examine,
            )
        )
    fields = [_emergency_field(resources)]
    card = _card(title, description, fields, Colour.URGENT, footer=DISCLAIMER)
    return Reply(cards=[card], ephemeral=True)


def _same_day_service(service: Service) -> str:
    """A non-emergency service, always labelled as such (UK NHS 111 must never read as 999)."""
    numbers = service.numbers("call")
    web = [f"[{c.value}]({c.link})" for c in service.contacts if c.method == "web"]
    how = " or ".join([*(f"call **{n}**" for n in numbers), *web])
    note = next((c.note for c in service.contacts if c.note), "")
    label = (
        note if "not for emergencies" in note else ", ".join(x for x in (note, "not for emergencies") if x)
    )
    return f"**{service.name}** ({how}; {label})"


def clinician_reply(triage: Triage, related_title: str | None) -> Reply:
    """A gentle pointer to the member's prescriber, pharmacist or doctor, with a related FAQ if any."""
    if triage.layer == "semantic" and triage.detail:
        # The nearest family's detail ("a question about a medicine dose") is a guess at the
        # message, not its words: say so, and let the advice speak of "questions like this".
        subject = f"This sounds like it may be **{triage.detail}**. Questions like this"
    else:
        subject = f"Questions about **{triage.detail or 'this'}**"
    if triage.topic in DIAGNOSIS_TOPICS:
        advice = (
            f"{subject} need someone who can look at your whole picture: your GP or "
            "doctor. Only a clinician can diagnose, and it helps to bring a short note of your "
            "symptoms and how long you've had them."
        )
    else:
        advice = (
            f"{subject} are best answered by someone who knows your health and your "
            "medicines: your prescriber, pharmacist or doctor. A pharmacist can often help the same "
            "day, without an appointment.\n\n"
            "Please check with them before you start, stop, change or combine any medicine."
        )
    parts = [advice]
    if related_title:
        parts.append(
            f"A general FAQ entry is linked below: **{related_title}**\n"
            "It's general information, not advice for your situation."
        )
    parts.append("If you feel very unwell, get urgent medical help.")
    card = _card("A question for your doctor or pharmacist", "\n\n".join(parts), [], Colour.CARE, DISCLAIMER)
    return Reply(cards=[card], ephemeral=True)


HELPING_SOMEONE = "helping-someone"  # the FAQ entry for people worried about someone else


def helping_reply(resources: Resources, entry_title: str | None, *, can_alert: bool) -> Reply:
    """Crisis about someone else: addressed to the helper, with the same lines and the entry on
    helping someone, so every wording about a friend or relative gets the same answer."""
    offer, buttons = moderator_offer(can_alert=can_alert)
    description = "\n\n".join(
        part
        for part in (
            "Thank you for looking out for them. It's frightening when someone you care about is in this place.",
            f"**If they are in danger right now, or have already hurt themselves, {_emergency_call(resources, bold=False)} "
            "now**, and stay with them if you safely can.",
            "It's okay to ask them directly whether they are thinking about suicide: asking does not put the idea "
            "in their head. Listen, and help them contact one of the lines below. The lines also support people "
            "who are worried about someone else.",
            _where(resources),
            NOT_A_COUNSELLOR,
            offer,
        )
        if part
    )
    fields = _lines_fields(resources)
    fields += _directory_field(resources, heading=_directory_heading(resources))
    card = _card("Helping someone who may be in danger", description, fields, Colour.CRISIS)
    if entry_title:
        buttons.append(Button(entry_title[:80], OPEN(HELPING_SOMEONE), Style.SECONDARY))
    return Reply(cards=[card], buttons=buttons, ephemeral=True)


GENTLE_TEXT = (
    "It sounds like things are really hard right now. If you are thinking about harming yourself, "
    "here is who you can reach right now: {lines}. `/help-now` shows them any time."
)
GENTLE_FALLBACK = (
    "It sounds like things are really hard right now. If you are thinking about harming yourself, "
    "here is who you can reach right now:\n{lines}\nOr {emergency}. `/care region` sets your country, "
    "so I can show only its lines; `/help-now` shows them any time."
)


def gentle_reply(resources: Resources) -> Reply:
    """The middle tier: a short private note with the member's lines, shown beside the answer.

    Without a known country every main country's first line is listed, each labelled with its
    country: an unlabelled number from another country is one a member might ring in vain.
    """
    if resources.is_fallback:
        lines = [
            f"• {s.name} ({g.country_name}): " + "; ".join(line.replace("**", "") for line in _contact_lines(s))
            for g in resources.others
            for s in g.crisis[:1]
        ]
        return Reply(content=GENTLE_FALLBACK.format(lines="\n".join(lines),
                                                    emergency=_emergency_call(resources, bold=False)),
                     ephemeral=True)
    parts = [_compact(s) for s in resources.crisis[:1]]
    parts.append(_emergency_call(resources, bold=False))
    if resources.unlisted:  # no vetted line for their country: the directory that lists theirs
        parts += [f"{s.name} ({', '.join(c.value for c in s.contacts if c.method in ('web', 'chat'))}) "
                  f"lists lines {in_country(resources.country_name)}" for s in resources.international[:1]]
    return Reply(content=GENTLE_TEXT.format(lines="; ".join(p for p in parts if p)), ephemeral=True)


def reply_for(triage: Triage, resources: Resources, question_of: Callable[[str], str | None], *,
              can_alert: bool) -> Reply | None:
    """The one choice of care reply for a triage result, wherever the text came from (``/faq``,
    forms, check-in notes, channel watch, ``supportbot ask``); None when there is nothing to say.

    ``question_of`` gives an FAQ entry's question by id (None when the pack lacks it): the
    helping-someone entry for a crisis about someone else, the clinician tier's related entry.
    ``can_alert`` says whether the server has a moderator alert channel (:func:`moderator_offer`).
    """
    if triage.level is Level.NONE:
        return gentle_reply(resources) if triage.gentle else None
    if triage.level is Level.CRISIS:
        if triage.topic == HELPING_SOMEONE:
            return helping_reply(resources, question_of(HELPING_SOMEONE), can_alert=can_alert)
        return crisis_reply(resources, can_alert=can_alert)
    if triage.level is Level.URGENT:
        reply = urgent_reply(triage, resources)
    else:
        title = question_of(triage.topic) if triage.topic else None
        reply = clinician_reply(triage, title)
        if title is not None and triage.topic:
            reply.buttons.append(Button(title[:80], OPEN(triage.topic)))
    if triage.gentle:  # advice for a message that also sits near crisis: the lines come with it
        reply.content = gentle_reply(resources).content
    return reply
