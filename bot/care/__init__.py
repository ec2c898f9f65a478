"""Safety triage: spotting crisis, red-flag and personal-medicine messages, and answering them kindly.

Everything a member writes can pass through :class:`bot.care.triage.Triager` before any FAQ lookup,
because a message about suicide or a back-pain red flag must never get an ordinary FAQ answer. The
rules and the crisis directory are reviewed data under ``content/safety`` and ``content/resources``;
this package only loads, checks and applies them, and renders the replies.
"""
