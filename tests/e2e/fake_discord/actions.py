"""What a member does: slash commands, autocomplete, clicks, modals, and load runs."""

# The member-action helpers take ``timeout=`` on purpose: a test reads better as
# ``await fake.slash("faq", timeout=2)`` than wrapped in ``asyncio.timeout``.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
from collections.abc import Mapping, Sequence
from typing import Any

from .base import (
    _DEFAULT,
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    OPT_CHANNEL,
    OPT_ROLE,
    OPT_USER,
    SELECT_TYPES,
    BotCrashed,
    InteractionTimeout,
)
from .entities import FakeChannel, FakeRole, FakeUser
from .interactions import InteractionResult
from .messages import Choices, FakeComponent, FakeMessage


class MemberActionsMixin:
    """What a member does: slash commands, autocomplete, clicks, modals, and load runs. Mixed into :class:`FakeDiscord`."""

    async def slash(
        self,
        command: str,
        /,
        *,
        user: FakeUser | None = None,
        guild: Any = _DEFAULT,
        channel: FakeChannel | None = None,
        dm: bool = False,
        options: Mapping[str, Any] | None = None,
        locale: str = "en-US",
        wait: bool = True,
        timeout: float | None = None,
        check: bool = True,
        **kwargs: Any,
    ) -> InteractionResult:
        """Run ``/command [group] [sub] opt:value ...`` as ``user`` and wait for the bot's answer.

        ``check`` refuses what Discord's client would not send: a missing required option, a value
        outside min/max/choices, or a command the member cannot see (``default_member_permissions``,
        DM availability); pass ``check=False`` to send it anyway.
        """
        user = user or self.user("member")
        values = {**(options or {}), **kwargs}
        guild_obj, channel_obj, member = self._place(user, guild, channel, dm)
        root, parts, leaf = self._resolve_command(command, guild_obj)
        if check:
            self._check_visible(root, member, guild_obj is None, command)
        opts, resolved, _ = self._build_options(
            parts, root, leaf, values, guild_obj, focused=None, check=check
        )
        data: dict[str, Any] = {"id": root["id"], "name": root["name"], "type": 1, "options": opts}
        if resolved:
            data["resolved"] = resolved
        if root.get("guild_id"):
            data["guild_id"] = root["guild_id"]
        result = await self._start_interaction(
            APPLICATION_COMMAND,
            data,
            user,
            guild_obj,
            channel_obj,
            member,
            command=" ".join(parts),
            locale=locale,
            wait_session=timeout,
        )
        if wait:
            await result.wait(timeout)
        return result

    async def autocomplete(
        self,
        command: str,
        option: str,
        typed: str,
        /,
        *,
        user: FakeUser | None = None,
        guild: Any = _DEFAULT,
        channel: FakeChannel | None = None,
        dm: bool = False,
        options: Mapping[str, Any] | None = None,
        locale: str = "en-US",
        timeout: float | None = None,
        **kwargs: Any,
    ) -> Choices:
        """Type ``typed`` into ``option`` of ``/command`` and return the choices the bot offers."""
        user = user or self.user("member")
        values = {**(options or {}), **kwargs}
        guild_obj, channel_obj, member = self._place(user, guild, channel, dm)
        root, parts, leaf = self._resolve_command(command, guild_obj)
        opts, resolved, focused_def = self._build_options(
            parts, root, leaf, values, guild_obj, focused=(option, typed), check=True
        )
        data: dict[str, Any] = {"id": root["id"], "name": root["name"], "type": 1, "options": opts}
        if resolved:
            data["resolved"] = resolved
        result = await self._start_interaction(
            AUTOCOMPLETE,
            data,
            user,
            guild_obj,
            channel_obj,
            member,
            command=" ".join(parts),
            focused=focused_def,
            locale=locale,
            wait_session=timeout,
        )
        await result.wait(timeout)
        return result.choices

    def _find_component(
        self, target: InteractionResult | FakeMessage, custom_id: str | None, label: str | None
    ) -> tuple[FakeMessage, FakeComponent]:
        messages = target.messages if isinstance(target, InteractionResult) else [target]
        for message in messages:
            for comp in message.components:
                if (custom_id is not None and comp.custom_id == custom_id) or (
                    custom_id is None and label is not None and comp.label == label
                ):
                    return message, comp
        have = [(c.label, c.custom_id) for m in messages for c in m.components]
        raise LookupError(f"no component {custom_id or label!r} on {messages}; components: {have}")

    async def click(
        self,
        target: InteractionResult | FakeMessage,
        custom_id: str | None = None,
        /,
        *,
        label: str | None = None,
        values: Sequence[Any] | None = None,
        user: FakeUser | None = None,
        locale: str = "en-US",
        wait: bool = True,
        timeout: float | None = None,
        check: bool = True,
    ) -> InteractionResult:
        """Click a button (by ``custom_id`` or ``label``) or pick ``values`` in a select menu."""
        if custom_id is None and label is None:
            raise ValueError("give a custom_id or a label")
        message, comp = self._find_component(target, custom_id, label)
        owner = message.interaction.user if message.interaction else None
        if user is None:
            user = owner or (target.user if isinstance(target, InteractionResult) else self.user("member"))
        if check:
            if message.deleted:
                raise ValueError(f"message {message.id} was deleted")
            if comp.disabled:
                raise ValueError(f"component {comp.custom_id or comp.label!r} is disabled")
            if comp.is_link:
                raise ValueError("a link button opens a URL; it sends no interaction")
            if message.ephemeral and owner is not None and owner is not user:
                raise PermissionError(f"only {owner.name} can see the ephemeral message {message.id}")
        data: dict[str, Any] = {"custom_id": comp.custom_id, "component_type": comp.type}
        if comp.type in SELECT_TYPES:
            picked = list(values or [])
            if check:
                lo = 1 if comp.min_values is None else comp.min_values
                hi = 1 if comp.max_values is None else comp.max_values
                if not lo <= len(picked) <= hi:
                    raise ValueError(f"select {comp.custom_id!r} takes {lo}..{hi} values, not {len(picked)}")
                if comp.type == 3:
                    allowed = [o.get("value") for o in comp.options]
                    bad = [v for v in picked if v not in allowed]
                    if bad:
                        raise ValueError(f"select {comp.custom_id!r} has no options {bad}; it has {allowed}")
            if comp.type == 3:
                data["values"] = [str(v) for v in picked]
            else:
                data["values"] = [str(getattr(v, "id", v)) for v in picked]
                resolved: dict[str, dict[str, Any]] = {}
                guild = self.guilds.get(int(message.raw.get("guild_id") or 0)) or (
                    message.interaction.guild if message.interaction else None
                )
                for v in picked:
                    kind = (
                        OPT_ROLE
                        if isinstance(v, FakeRole)
                        else OPT_CHANNEL
                        if isinstance(v, FakeChannel)
                        else OPT_USER
                    )
                    self._option_value({"type": kind, "name": comp.custom_id}, v, resolved, guild, False)
                data["resolved"] = resolved
        elif values:
            raise ValueError("values= is for select menus")
        channel = self._channels.get(message.channel_id) or self.dm_channel(user)
        guild_obj = self.guilds.get(channel.guild_id) if channel.guild_id else None
        member = None
        if guild_obj is not None:
            member = guild_obj.member(user) or guild_obj.add_member(user)
        result = await self._start_interaction(
            MESSAGE_COMPONENT,
            data,
            user,
            guild_obj,
            channel,
            member,
            command=comp.custom_id,
            source=message,
            locale=locale,
            wait_session=timeout,
        )
        if wait:
            await result.wait(timeout)
        return result

    async def submit_modal(
        self,
        target: InteractionResult,
        values: Mapping[str, str],
        /,
        *,
        user: FakeUser | None = None,
        locale: str = "en-US",
        wait: bool = True,
        timeout: float | None = None,
        check: bool = True,
    ) -> InteractionResult:
        """Fill in the modal the bot opened on ``target`` and submit it."""
        modal = target.modal
        if modal is None:
            raise LookupError(
                f"the bot opened no modal for {target!r} (callback type {target.callback_type})"
            )
        user = user or target.user
        if check:
            known = {f.custom_id for f in modal.fields}
            unknown = set(values) - known
            if unknown:
                raise LookupError(
                    f"modal {modal.title!r} has no fields {sorted(unknown)}; it has {sorted(known)}"
                )
            for fld in modal.fields:
                text = values.get(fld.custom_id, fld.value or "")
                if fld.required and not text:
                    raise ValueError(f"modal field {fld.custom_id!r} is required")
                if text and fld.min_length is not None and len(text) < fld.min_length:
                    raise ValueError(f"modal field {fld.custom_id!r}: shorter than {fld.min_length}")
                if fld.max_length is not None and len(text) > fld.max_length:
                    raise ValueError(f"modal field {fld.custom_id!r}: longer than {fld.max_length}")
        components = []
        counter = itertools.count(1)
        for top in modal.raw.get("components") or []:
            if top.get("type") == 18 and isinstance(top.get("component"), dict):
                inner = top["component"]
                cid = inner.get("custom_id")
                components.append(
                    {
                        "type": 18,
                        "id": next(counter),
                        "component": {
                            "type": inner.get("type", 4),
                            "id": next(counter),
                            "custom_id": cid,
                            "value": values.get(cid, inner.get("value") or ""),
                        },
                    }
                )
            elif top.get("type") == 1:
                row_id = next(counter)
                row = [
                    {
                        "type": c.get("type", 4),
                        "id": next(counter),
                        "custom_id": c.get("custom_id"),
                        "value": values.get(c.get("custom_id"), c.get("value") or ""),
                    }
                    for c in top.get("components") or []
                ]
                components.append({"type": 1, "id": row_id, "components": row})
            elif top.get("type") == 10:
                components.append({"type": 10, "id": next(counter)})
        data = {"custom_id": modal.custom_id, "components": components}
        source = target.source_message
        channel = target.channel
        result = await self._start_interaction(
            MODAL_SUBMIT,
            data,
            user,
            target.guild,
            channel,
            target.guild.member(user) if target.guild else None,
            command=modal.custom_id,
            source=source,
            locale=locale,
            wait_session=timeout,
        )
        if wait:
            await result.wait(timeout)
        return result

    # -- load ----------------------------------------------------------------------------------

    async def run_load(
        self,
        command: str,
        *,
        count: int,
        concurrency: int = 10,
        options: Mapping[str, Any] | None = None,
        users: int = 50,
        timeout: float | None = None,
        option_sets: Sequence[Mapping[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Send ``count`` slash commands, ``concurrency`` at a time; callback latency statistics.

        ``option_sets``, when given, are used in turn (interaction ``i`` gets set ``i mod n``)."""
        members = [self.user(f"load{i}") for i in range(max(1, users))]
        sem = asyncio.Semaphore(concurrency)
        latencies: list[float] = []
        failures: list[str] = []

        async def one(i: int) -> None:
            async with sem:
                try:
                    chosen = option_sets[i % len(option_sets)] if option_sets else options
                    r = await self.slash(
                        command, user=members[i % len(members)], options=chosen, timeout=timeout
                    )
                    if r.latency is not None:
                        latencies.append(r.latency)
                except (InteractionTimeout, BotCrashed) as exc:
                    failures.append(str(exc).splitlines()[0])

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(count)))
        elapsed = time.perf_counter() - started
        latencies.sort()

        def pct(p: float) -> float | None:
            if not latencies:
                return None
            return latencies[min(len(latencies) - 1, int(p * len(latencies)))]

        return {
            "count": count,
            "concurrency": concurrency,
            "elapsed_s": elapsed,
            "per_second": count / elapsed if elapsed else None,
            "latency_s": {
                "p50": pct(0.50),
                "p90": pct(0.90),
                "p99": pct(0.99),
                "max": latencies[-1] if latencies else None,
                "mean": statistics.fmean(latencies) if latencies else None,
            },
            "failures": failures[:20],
            "failure_count": len(failures),
        }

