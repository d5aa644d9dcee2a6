"""``/installningar``: each part adds its own section (profile, privacy, email, account …)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString


@dataclass(frozen=True)
class SettingsSection:
    endpoint: str
    title: LazyString | str
    description: LazyString | str
    order: int


SECTIONS: dict[str, SettingsSection] = {}


def register_settings_section(
    endpoint: str, title: LazyString | str, description: LazyString | str, order: int
) -> None:
    """Called by a part's views module when it is imported; idempotent."""
    SECTIONS[endpoint] = SettingsSection(endpoint, title, description, order)


def settings_sections() -> list[SettingsSection]:
    return sorted(SECTIONS.values(), key=lambda section: section.order)
