"""Reply → plain text for the local console: cards as boxes, buttons numbered, files saved."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from bot.console.identity import shown_mentions
from bot.ui import Reply

WIDTH = 88
_LINK = re.compile(r"\[((?:\\.|[^\]\\])+)\]\((https?://[^)\s]+)\)")
_ESCAPED = re.compile(r"\\([\\*_~`|>\[\]()#<])")


def _plain(text: str) -> str:
    """Markdown links as 'title <url>'; bold markers dropped (a terminal shows no bold); escaped
    characters (source titles) shown as themselves."""
    text = _LINK.sub(r"\1 <\2>", shown_mentions(text))
    return _ESCAPED.sub(r"\1", text.replace("**", ""))


def _wrap(text: str, indent: str = "  ") -> list[str]:
    lines: list[str] = []
    for paragraph in _plain(text).splitlines():
        if not paragraph.strip():
            lines.append(indent.rstrip())
            continue
        bullet = re.match(r"^(\s*(?:[-*•]|\d+\.)\s+)", paragraph)
        sub = indent + (" " * len(bullet.group(1)) if bullet else "")
        lines.extend(textwrap.wrap(paragraph, WIDTH, initial_indent=indent, subsequent_indent=sub) or [""])
    return lines


def render(reply: Reply, *, files_dir: Path | None = None) -> tuple[str, list[Path]]:
    """Text for a reply, and the paths where its files were saved."""
    out: list[str] = []
    if reply.ephemeral:
        out.append("(only you can see this)")
    if reply.content:
        out.extend(_wrap(reply.content, ""))
    for card in reply.cards:
        out.append("┌" + "─" * (WIDTH - 1))
        if card.title:
            out.extend(_wrap(card.title.upper(), "│ "))
            out.append("│")
        if card.description:
            out.extend(_wrap(card.description, "│ "))
        for field in card.fields:
            if out[-1] != "│":  # a card without a description already has its gap under the title
                out.append("│")
            out.append(f"│ {field.name}:")
            out.extend(_wrap(field.value, "│   "))
        if card.image_filename:
            out.append(f"│ [picture: {card.image_filename}]")
        if card.footer:
            out.append("│")
            out.extend(_wrap(card.footer, "│ "))
        out.append("└" + "─" * (WIDTH - 1))
    saved: list[Path] = []
    for attachment in reply.files:
        if files_dir is not None:
            files_dir.mkdir(parents=True, exist_ok=True)
            path = files_dir / Path(attachment.filename).name
            path.write_bytes(attachment.data)
            saved.append(path)
            out.append(f"[file saved: {path}]")
        else:
            out.append(f"[file: {attachment.filename}, {len(attachment.data)} bytes]")
    if reply.buttons:
        out.append("Buttons (type the number to press one):")
        for number, button in enumerate(reply.buttons, start=1):
            label = f"{button.emoji} {button.label}" if button.emoji else button.label
            target = f" → {button.url}" if button.url else ""
            out.append(f"  [{number}] {label}{target}")
    if reply.modal is not None:
        out.append(f"A form opens: {reply.modal.title}")
    return "\n".join(out), saved
