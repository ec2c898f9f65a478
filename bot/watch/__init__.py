"""Channel watch: notice crisis where members actually post, privately, and get a human to them.

``derive`` turns the reviewed crisis rules into Discord AutoMod rules within Discord's limits;
``sync`` and ``service`` keep those rules in place and run the alert flow (outreach DM, one card
per member, claim / resolve / false alarm, escalation); ``store`` holds alerts (never message
text); ``commands`` are the handlers; ``cog`` is the thin Discord adapter.
"""
