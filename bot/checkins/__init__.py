"""Daily check-ins: the member's scores, kind streaks, local days, charts and exports.

Pure domain code. Nothing here talks to Discord or the database, so every rule can be tested
directly and reused by the console and any future front end.
"""
