"""The operations subcommands, dispatched from ``bot.__main__`` with one call."""

from __future__ import annotations

import argparse

from bot.config import Settings


def ops_command(settings: Settings, args: argparse.Namespace) -> int:
    """``backup``, ``restore`` or ``health``, by the parsed command line; the exit status."""
    if args.command == "backup":
        from bot.ops.backup import backup_command

        return backup_command(settings, args.path, with_key=args.with_key)
    if args.command == "restore":
        from bot.ops.backup import restore_command

        return restore_command(settings, args.path, replace=args.replace)
    from bot.ops.health import health_command

    return health_command(settings)
