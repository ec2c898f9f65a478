"""Safety triage: is a message a crisis, a back-pain red flag, a question for a clinician, or none?

Every member message can be classified before any FAQ lookup, because the content brief requires
crisis and red-flag messages to bypass ordinary answers. The rules are reviewed data, not code: each
``content/safety/*.yaml`` file is checked here with pydantic (``extra="forbid"``) and every problem
is reported as a :class:`~bot.problems.Problem` with file and field, so moderators can fix the data
without reading Python.

Rule file format (all fields are checked; unknown ones are errors)::

    reviewed_by: Moderator team          # a role, never an invented person
    reviewed_on: 2026-11-23
    review_due: 2027-11-23               # after reviewed_on, at most 12 months later
    about: what these rules are for      # optional
    classes:                             # optional word lists, shared by every file: "@meds"
      meds: [amitriptyline, pregabalin, pill*]
    idioms: [to die for]                 # optional: masked out before this file's rules run
    lexicon:                             # optional, normalisation data shared by every file
      replace: {kms: kill myself}        #   normalised word or phrase -> what it means
      fuzzy: {suicidal: 1}               #   near-misses within N edits read as the word
    rules:
      - id: wish-to-die                  # slug, unique across all files
        level: crisis                    # crisis | urgent | clinician
        detail: thoughts of wanting to die   # what was recognised, plain words, safe to show
        topic: null                      # crisis: none; urgent: emergency | same-day;
                                         # clinician: an FAQ entry id, optional
        topics: []                       # clinician only, optional: first match picks the topic,
                                         #   e.g. [{topic: opioids, when: ["@opioids"]}]
        patterns: ["(want|ready) {0-3} die"] # phrases (below); at least one pattern or regex
        regex: []                        # Python regexes over " the normalised text "
        context: []                      # optional: one of these must also appear (anywhere)
        except: [die for]                # optional: a pattern match inside one of these is ignored
        examples: [i want to die]        # at least one; each must match this rule
        not_examples: [this cake is to die for]  # each must not match
        note: why the rule is as it is   # optional

Phrases match whole words of the normalised text (see :mod:`bot.care.normalize`): ``word`` is that
word, ``word*`` any word starting so, ``(a|b c|)`` one of the choices (an empty choice makes it
optional; no nesting), ``@name`` any item of a class, ``{2}`` / ``{1-3}`` up to 2 / from 1 to 3
other words in between, and a final ``$`` the end of the message. ``idioms`` and ``except``
entries are phrases too; the words they match are replaced by a barrier that no phrase can match
or reach across. A word the lexicon rewrites ("wanna", "do not") can never appear in normalised
text, so using one in a phrase is a warning.

Decisions the rules encode (documented here because they are policy, not code):

* Precedence is crisis > urgent > clinician > none; within a level the first rule in file order
  (files sorted by name) gives the rule id, topic and detail.
* Negation never suppresses a crisis rule. "I'm not suicidal but..." and "not suicidal, just asking
  how pacing works" are crisis: the brief says to prefer crisis when in doubt, people often raise
  the subject this way, and the crisis reply asks rather than assumes, so a false alarm costs one
  kind private message while a miss can cost a life. Mentions of suicide in any form (questions
  about risk, a friend, bereavement) are crisis for the same reason.
* Red-flag rules fire on the symptom words whatever surrounds them ("no numbness" included): the
  reply says what the message *mentions* and never reassures, so it stays true either way.
"""

from __future__ import annotations

# The rules are split by job: schema and outcome, phrase compiler, engine, loader. This module is
# the stable import point for the rest of the bot.
from bot.care.rule_compiler import PatternError
from bot.care.rule_engine import Rule, RulesError, Triager
from bot.care.rule_loader import load_rules, load_triager
from bot.care.rule_schema import (
    CACHE_SIZE,
    CACHE_TEXT_MAX,
    NOTHING,
    URGENT_TOPICS,
    Level,
    RuleSpec,
    SafetyFile,
    Triage,
)

__all__ = [
    "CACHE_SIZE", "CACHE_TEXT_MAX", "NOTHING", "URGENT_TOPICS", "Level", "PatternError", "Rule", "RuleSpec",
    "RulesError", "SafetyFile", "Triage", "Triager", "load_rules", "load_triager",
]
