"""Triage results as plain data: the ``supportbot triage --json`` and ``ask --json`` contracts."""

from __future__ import annotations

from typing import Any

from bot.care.resources import Directory, Resources, Service
from bot.care.triage import Level, Triage


def _service(service: Service) -> dict[str, Any]:
    return {
        "name": service.name,
        "kind": service.kind,
        "contacts": [f"{c.method} {c.value}" for c in service.contacts],
    }


def resource_list(triage: Triage, resources: Resources) -> list[dict[str, Any]]:
    """What the member is shown for this level: crisis lines and emergency numbers for crisis,
    emergency and same-day numbers for urgent, nothing for the others."""
    if triage.level is Level.NONE or triage.level is Level.CLINICIAN:
        return []
    out: list[dict[str, Any]] = []
    groups = [resources] if not resources.is_fallback else list(resources.others)
    for group in groups:
        if triage.level is Level.CRISIS:
            out.extend(_service(s) for s in group.crisis)
        if group.emergency_numbers:
            out.append({"name": f"Emergency services ({group.country_name})", "kind": "emergency",
                        "contacts": [f"call {n}" for n in group.emergency_numbers]})
        if triage.level is Level.URGENT:
            out.extend(_service(s) for s in group.non_emergency)
    if triage.level is Level.CRISIS:
        out.extend(_service(s) for s in resources.international)
    return out


def triage_json(triage: Triage, directory: Directory | None, country: str | None) -> dict[str, Any]:
    """One triage result as the `supportbot triage --json` object (fields are only ever added)."""
    resources = directory.for_country(country) if directory is not None else None
    return {
        "level": triage.level.value,
        "rule": triage.rule,
        "resources": resource_list(triage, resources) if resources is not None else [],
        "layer": triage.layer,
        "confidence": triage.confidence,
        "gentle": triage.gentle,
        "family": triage.family,
        "topic": triage.topic,
    }
