"""Users, guilds, channels, members and roles, as the fake keeps them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .base import ADMINISTRATOR, ALL_PERMISSIONS, EVERYONE_PERMISSIONS, MANAGE_GUILD, _now_iso

if TYPE_CHECKING:
    from .core import FakeDiscord


# ==================================================================================================
# Users, guilds, channels, roles
# ==================================================================================================


@dataclass(eq=False)
class FakeUser:
    id: int
    name: str
    global_name: str | None = None
    bot: bool = False

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.name,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "collectibles": None,
            "primary_guild": None,
        }
        if self.bot:
            data["bot"] = True
        return data

    def __repr__(self) -> str:
        return f"<FakeUser {self.name} {self.id}>"


@dataclass(eq=False)
class FakeRole:
    id: int
    name: str
    guild_id: int
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "color": self.color,
            "colors": {"primary_color": self.color, "secondary_color": None, "tertiary_color": None},
            "hoist": self.hoist,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }

    def __repr__(self) -> str:
        return f"<FakeRole {self.name} {self.id}>"


@dataclass(eq=False)
class FakeChannel:
    id: int
    name: str | None
    type: int = 0  # 0 text, 1 DM, 2 voice, 4 category, 5 announcement, 15 forum
    guild_id: int | None = None
    position: int = 0
    topic: str | None = None
    nsfw: bool = False
    parent_id: int | None = None
    recipient: FakeUser | None = None  # DM channels

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    @property
    def is_dm(self) -> bool:
        return self.type == 1

    def to_dict(self, *, permissions: int | None = None, with_guild_id: bool = True) -> dict[str, Any]:
        if self.is_dm:
            assert self.recipient is not None
            return {
                "id": str(self.id),
                "type": 1,
                "last_message_id": None,
                "flags": 0,
                "recipients": [self.recipient.to_dict()],
            }
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [],
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "flags": 0,
        }
        if self.type in (0, 5, 15):
            data.update(topic=self.topic, nsfw=self.nsfw, last_message_id=None, rate_limit_per_user=0)
        if with_guild_id and self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data

    def __repr__(self) -> str:
        return f"<FakeChannel {self.name or 'DM'} {self.id}>"


@dataclass(eq=False)
class FakeMember:
    user: FakeUser
    guild: FakeGuild
    roles: list[FakeRole] = field(default_factory=list)
    nick: str | None = None
    extra_permissions: int = 0
    permissions_override: int | None = None
    joined_at: str = field(default_factory=_now_iso)

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def permissions(self) -> int:
        """Guild-level permissions: @everyone, then roles, then the extras; administrator means all."""
        if self.permissions_override is not None:
            perms = self.permissions_override
        else:
            perms = self.guild.everyone.permissions
            for role in self.roles:
                perms |= role.permissions
            perms |= self.extra_permissions
        if self.guild.owner_id == self.user.id or perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        return perms

    def to_dict(self, *, with_user: bool = True, with_permissions: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(r.id) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "premium_since": None,
            "joined_at": self.joined_at,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
            "unusual_dm_activity_until": None,
        }
        if with_user:
            data["user"] = self.user.to_dict()
        if with_permissions:
            data["permissions"] = str(self.permissions)
        return data

    def __repr__(self) -> str:
        return f"<FakeMember {self.user.name} of {self.guild.name}>"


class FakeGuild:
    """A guild with channels, roles and members. Build it with :meth:`FakeDiscord.guild`."""

    def __init__(self, fake: FakeDiscord, guild_id: int, name: str, owner_id: int) -> None:
        self._fake = fake
        self.id = guild_id
        self.name = name
        self.owner_id = owner_id
        self.locale = "en-US"
        self.channels: list[FakeChannel] = []
        self.roles: list[FakeRole] = [FakeRole(guild_id, "@everyone", guild_id, EVERYONE_PERMISSIONS)]
        self.members: dict[int, FakeMember] = {}
        self.member_count: int | None = None  # None: the members the fake knows, plus the bot

    @property
    def everyone(self) -> FakeRole:
        return self.roles[0]

    def add_channel(
        self, name: str, *, type: int = 0, topic: str | None = None, nsfw: bool = False
    ) -> FakeChannel:
        channel = FakeChannel(
            self._fake._snowflake(), name, type, self.id, len(self.channels), topic=topic, nsfw=nsfw
        )
        self.channels.append(channel)
        self._fake._channels[channel.id] = channel
        return channel

    def channel(self, name: str | None = None) -> FakeChannel:
        """The text channel called ``name``, or the first text channel."""
        for channel in self.channels:
            if channel.type in (0, 5) and (name is None or channel.name == name):
                return channel
        if name is None:
            return self.add_channel("general")
        raise LookupError(f"{self.name} has no channel {name!r}")

    def add_role(
        self, name: str, *, permissions: int = 0, color: int = 0, mentionable: bool = False
    ) -> FakeRole:
        role = FakeRole(
            self._fake._snowflake(),
            name,
            self.id,
            permissions,
            len(self.roles),
            color,
            mentionable=mentionable,
        )
        self.roles.append(role)
        return role

    def role(self, name: str) -> FakeRole:
        for role in self.roles:
            if role.name == name:
                return role
        raise LookupError(f"{self.name} has no role {name!r}")

    def add_member(
        self,
        user: FakeUser,
        *,
        roles: Iterable[FakeRole | str] = (),
        nick: str | None = None,
        admin: bool = False,
        manage_guild: bool = False,
        permissions: int | None = None,
    ) -> FakeMember:
        """Make ``user`` a member; ``admin``/``manage_guild`` add those permission bits."""
        resolved = [r if isinstance(r, FakeRole) else self.role(r) for r in roles]
        extra = (ADMINISTRATOR if admin else 0) | (MANAGE_GUILD if manage_guild else 0)
        member = self.members.get(user.id)
        if member is None:
            member = FakeMember(user, self, resolved, nick, extra, permissions)
            self.members[user.id] = member
        else:
            member.roles = resolved or member.roles
            member.nick = nick if nick is not None else member.nick
            member.extra_permissions |= extra
            if permissions is not None:
                member.permissions_override = permissions
        return member

    def member(self, user: FakeUser | int) -> FakeMember | None:
        return self.members.get(user if isinstance(user, int) else user.id)

    def remove_member(self, user: FakeUser) -> None:
        """``user`` leaves this guild. Once they share no guild with the bot, a DM to them gets
        403 / 50278, as on Discord."""
        self.members.pop(user.id, None)
        self._fake._left_users.add(user.id)

    def to_create_payload(self, bot: FakeUser) -> dict[str, Any]:
        bot_member = FakeMember(bot, self, [], joined_at=_now_iso())
        members = [bot_member.to_dict(with_permissions=False)]
        members += [m.to_dict(with_permissions=False) for m in self.members.values()]
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 2,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": self.locale,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "application_id": None,
            "features": list(getattr(self, "features", ())),  # e.g. ["COMMUNITY"]
            "max_members": 500000,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "nsfw": False,
            "lazy": True,
            "large": False,
            "unavailable": False,
            "joined_at": bot_member.joined_at,
            "member_count": self.member_count if self.member_count is not None else len(self.members) + 1,
            "roles": [r.to_dict() for r in self.roles],
            "emojis": [],
            "stickers": [],
            "channels": [c.to_dict(with_guild_id=False) for c in self.channels],
            "threads": [],
            "members": members,
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "embedded_activities": [],
            "activity_instances": [],
            "incidents_data": None,
            "version": 0,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "owner_id": str(self.owner_id),
            "features": [],
            "roles": [r.to_dict() for r in self.roles],
            "emojis": [],
            "stickers": [],
            "preferred_locale": self.locale,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 2,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "system_channel_flags": 0,
            "afk_timeout": 300,
            "approximate_member_count": len(self.members) + 1,
        }

    def __repr__(self) -> str:
        return f"<FakeGuild {self.name} {self.id}>"


