"""supportbot: a Discord bot for patient support groups.

Importing the package installs the log guards of :mod:`bot.logfilter`, so no logging set-up,
however verbose, can write discord.py payloads or a member's text.
"""

from bot.logfilter import install as _install_log_guards

_install_log_guards()
