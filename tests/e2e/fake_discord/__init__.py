"""A local fake Discord for end-to-end tests: the real discord.py client talks to it over HTTP + WebSocket.

The fake serves the paths ``bot.endpoint.point_discord_at(fake.url)`` sends traffic to: REST under
``/api/v10/...`` and the gateway at ``/gateway``. Nothing inside discord.py is patched.

In-process use (the bot and the fake share one event loop)::

    async with FakeDiscord() as fake:
        guild = fake.guild("Support Group", channels=["general"])
        alice = fake.user("alice", guild=guild)
        async with running_client(fake, MyClient()) as runner:
            result = await fake.slash("checkin log", pain=5, note="hi", user=alice)
            assert "logged" in result.content
        fake.assert_clean()

What a member does:

* ``await fake.slash("group sub", opt=value, user=..., guild=..., channel=..., dm=False)``. Option
  values are typed from the command definitions the bot synced. Use ``options={...}`` for option
  names that clash with the helper's own keywords (``user``, ``guild``, ``channel`` ...).
* ``await fake.autocomplete("faq", "question", "exerc", user=...)`` returns the offered choices.
* ``await fake.click(result_or_message, "custom_id", user=...)`` (or ``label="Yes"``; ``values=[...]``
  for select menus).
* ``await fake.submit_modal(result, {"field_id": "text"}, user=...)``.

As on Discord, the first followup after a "thinking" defer edits the loading message and ignores
its flags; the fake also records it as a violation, because Discord documents that path as
deprecated (edit ``@original`` instead).

Each helper waits (``timeout``, default ``fake.default_timeout``) until the bot has answered, and
returns an :class:`InteractionResult`: ``.content``, ``.embeds``, ``.components`` (flattened),
``.files``, ``.ephemeral``, ``.deferred``, ``.modal``, ``.followups``, ``.choices``, ``.text``,
``.requests`` and timings.

Faults: ``fake.fail("POST /interactions/{id}/{token}/callback", status=429, retry_after=0.2)``,
``fake.rate_limit(...)``, ``fake.server_error(...)``, ``fake.expire_interactions()``,
``fake.set_dms_closed(user)`` (DMs answer 50007), ``guild.remove_member(user)`` (once no guild is
shared, DMs answer 50278); gateway: ``await fake.close_gateway(1000 | 1006 | 4000, hold=False)``,
``fake.hold_gateway()`` / ``fake.release_gateway()``, ``await fake.invalid_session(resumable)``,
``await fake.reconnect()``.

As a separate process: ``python -m tests.e2e.fake_discord --port 8765`` from the repository root. It prints
``FAKE_DISCORD_READY <url>`` once it listens. Drive it from another process with
:class:`RemoteFake`, or with plain HTTP on the control routes under ``/_fake/`` (see
:meth:`FakeDiscord._control_routes`). :func:`start_fake_process` starts one and waits for it.

The package's modules: ``base`` (constants, helpers, errors), ``entities`` (users, guilds, channels,
members, roles), ``messages`` (messages, files, components, modals, choices), ``records``
(recorded requests, violations, faults), ``interactions`` (interaction results, gateway
sessions), ``core`` (:class:`FakeDiscord`: state, lifecycle, factories, waiting, faults) with its
mixins ``gateway``, ``rest``, ``rest_messages``, ``commands``, ``actions`` and ``control``, and
``process`` (running a client against it, and the fake as a separate process).
"""

from __future__ import annotations

from ..openapi_validator import CALLBACK_ROUTE
from .base import ADMINISTRATOR, MANAGE_GUILD, BotCrashed, InteractionTimeout
from .core import FakeDiscord
from .entities import FakeChannel, FakeGuild, FakeMember, FakeRole, FakeUser
from .messages import Choice, Choices, FakeComponent, FakeFile, FakeMessage, FakeModal, ModalField
from .process import ClientRunner, FakeProcess, RemoteFake, running_client, serve_forever, start_fake_process
from .records import Fault, MentionViolation, RecordedRequest, Violation

__all__ = [
    "ADMINISTRATOR",
    "CALLBACK_ROUTE",
    "MANAGE_GUILD",
    "BotCrashed",
    "Choice",
    "Choices",
    "ClientRunner",
    "FakeChannel",
    "FakeComponent",
    "FakeDiscord",
    "FakeFile",
    "FakeGuild",
    "FakeMember",
    "FakeMessage",
    "FakeModal",
    "FakeProcess",
    "FakeRole",
    "FakeUser",
    "Fault",
    "InteractionResult",
    "InteractionTimeout",
    "MentionViolation",
    "ModalField",
    "RecordedRequest",
    "RemoteFake",
    "Violation",
    "running_client",
    "serve_forever",
    "start_fake_process",
]
