"""Where discord.py sends its traffic.

Production talks to Discord. Tests and the load benchmark point the *unchanged* client at a local
fake Discord with one setting, ``DISCORD_API_BASE``; this module is the only place that knows
which discord.py class attributes that means (REST routes, webhooks and interaction callbacks all
go through ``Route.BASE``; the gateway through ``DEFAULT_GATEWAY``).
"""

from __future__ import annotations

import discord
import discord.asset
import discord.gateway
import discord.http
import yarl

from bot.config import loopback_base_url


def point_discord_at(base_url: str) -> None:
    """Send REST calls to ``{base_url}/api/v10`` and open the gateway at ``{base_url}/gateway``.

    Checked again here, not only in the settings: whoever calls this hands the token to that host.
    """
    base = loopback_base_url(base_url).rstrip("/")
    url = yarl.URL(base)
    ws_scheme = "wss" if url.scheme == "https" else "ws"
    discord.http.Route.BASE = f"{base}/api/v10"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = url.with_scheme(ws_scheme) / "gateway"
    discord.asset.Asset.BASE = f"{base}/cdn"
