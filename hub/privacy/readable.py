"""The member's data as people read it on "Mina uppgifter": a heading per kind of thing, each
thing as a few labelled lines in plain words and dates. The file to download (``export_member``)
keeps every column as the database has it; this page shows what a person can make sense of and
leaves ids, keys and codes to the file. A new table without a heading here fails a test
(tests/privacy/test_personal_data.py); a column without a label is left to the file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# The most recent first and at most this many of each kind on the page; the file has all.
SHOWN_PER_KIND = 5

KIND_LABELS = {
    "user": _l("Konto"),
    "profile": _l("Profil"),
    "profile_care_area": _l("Dina verksamhetsområden"),
    "user_expertise": _l("Dina kunskapsområden"),
    "external_identity": _l("Inloggning med kommunens konto"),
    "mail_preference": _l("Dina val för e-post"),
    "question": _l("Frågor"),
    "answer": _l("Dina svar"),
    "comment": _l("Kommentarer"),
    "revision": _l("Tidigare versioner av dina inlägg"),
    "helpful_mark": _l("Svar du tyckte hjälpte"),
    "ask_to_answer": _l("Frågor du har bett någon svara på"),
    "flag": _l("Inlägg du har anmält"),
    "moderation_log": _l("Det du har gjort som moderator"),
    "follow": _l("Sådant du följer"),
    "notification": _l("Notiser"),
    "digest": _l("Sammanfattningar du har fått"),
    "outbox_message": _l("E-post till dig"),
    "inbound_message": _l("E-post du har skickat till Stafetten"),
    "suppressed_address": _l("Din e-postadress studsar"),
    "invitation": _l("Inbjudningar du har skickat"),
    "municipality_change": _l("Byte av kommun"),
    "rsvp": _l("Anmälningar till träffar"),
    "meeting": _l("Träffar du har bokat"),
    "meeting_reminder": _l("Påminnelser om träffar"),
    "network_coordinator": _l("Nätverk du samordnar"),
    "baton_pass": _l("Stafettpinnen"),
    "topic_suggestion": _l("Ämnen du har föreslagit till träffar"),
    "topic_vote": _l("Ämnen du har gett +1"),
    "date_poll": _l("Omröstningar om datum som du har startat"),
    "date_poll_vote": _l("Dina svar i omröstningar om datum"),
    "announcement": _l("Meddelanden du har skickat"),
    "calendar_token": _l("Din kalenderlänk"),
    "material_item": _l("Material du har delat"),
    "material_file": _l("Filer du har laddat upp"),
    "material_revision": _l("Tidigare versioner av material"),
    "material_helpful": _l("Material du tyckte hjälpte"),
    "material_feed_token": _l("Din flödeslänk för material"),
    "recovery_code": _l("Reservkoder för inloggning"),
}

FIELD_LABELS = {
    "name": _l("Namn"),
    "email": _l("E-postadress"),
    "title": _l("Rubrik"),
    "subject": _l("Ämnesrad"),
    "text": _l("Text"),
    "body": _l("Text"),
    "body_source": _l("Text"),
    "presentation_source": _l("Om dig"),
    "agenda_source": _l("Program"),
    "minutes_source": _l("Minnesanteckningar"),
    "summary": _l("Sammanfattning"),
    "workplace": _l("Arbetsplats"),
    "work_phone": _l("Telefon i arbetet"),
    "place": _l("Plats"),
    "online_url": _l("Länk till mötet"),
    "url": _l("Länk"),
    "filename": _l("Filnamn"),
    "label": _l("Konto"),
    "reason": _l("Skäl"),
    "to_address": _l("Till"),
    "from_address": _l("Från"),
    "response": _l("Ditt svar"),
    "answer": _l("Ditt svar"),
    "digest_frequency": _l("Sammanfattning med e-post"),
    "answers": _l("E-post om svar"),
    "mentions": _l("E-post när någon nämner dig"),
    "follows": _l("E-post om det du följer"),
    "meetings": _l("E-post om träffar"),
    "baton": _l("E-post om stafettpinnen"),
    "announcements": _l("E-post med meddelanden"),
    "email_visibility": _l("Vem ser din e-postadress"),
    "phone_visibility": _l("Vem ser ditt telefonnummer"),
    "hidden_from_directory": _l("Dold i katalogen"),
    "waitlisted": _l("På väntelistan"),
    "in_agenda": _l("Med i programmet"),
    "hidden": _l("Dold"),
    "locked": _l("Låst"),
    "answer_count": _l("Antal svar"),
    "starts_at": _l("Börjar"),
    "ends_at": _l("Slutar"),
    "created_at": _l("Skapad"),
    "requested_at": _l("Begärd"),
    "received_at": _l("Mottagen"),
    "sent_at": _l("Skickad"),
    "read_at": _l("Läst"),
    "answered_at": _l("Svarade"),
    "passed_at": _l("Lämnad vidare"),
    "edited_at": _l("Ändrad"),
    "updated_at": _l("Ändrad"),
    "deleted_at": _l("Borttagen"),
    "expires_at": _l("Gäller till"),
    "accepted_at": _l("Antagen"),
    "email_confirmed_at": _l("E-postadressen bekräftad"),
    "last_seen_on": _l("Senast inne"),
    "last_used_at": _l("Senast använd"),
    "held_at": _l("Hölls"),
    "cancelled_at": _l("Inställd"),
    "closed_at": _l("Stängd"),
    "bounced_at": _l("Studsade"),
    "used_at": _l("Använd"),
}

# Stored choices, in words (the forms show the same choices with the same words).
VALUE_LABELS = {
    "on_site": _l("På plats"),
    "online": _l("Digitalt"),
    "not_coming": _l("Kommer inte"),
    "daily": _l("Varje dag"),
    "weekly": _l("Varje vecka"),
    "never": _l("Aldrig"),
    "immediately": _l("Direkt"),
    "digest": _l("I sammanfattningen"),
    "members": _l("Medlemmar"),
    "coordinators": _l("Samordnare"),
    "nobody": _l("Ingen"),
    "yes": _l("Ja"),
    "no": _l("Nej"),
    "maybe": _l("Kanske"),
}
LONG_TEXT = 400  # characters on the page; the file has the whole text


@dataclass
class Field:
    """A labelled line; ``stored`` when the value is text as it was saved (a title, a mail's
    subject), in the language it was written in, rather than words of the page's own."""

    label: str
    value: str
    stored: bool = False


@dataclass
class Kind:
    """One heading on the page: what it is, how many there are, the ones shown."""

    key: str
    title: str
    count: int
    items: list[list[Field]]


def readable_kinds(export: dict[str, list[dict[str, Any]]]) -> list[Kind]:
    kinds = []
    for key, rows in export.items():
        newest = sorted(rows, key=lambda row: str(row.get("created_at") or ""), reverse=True)
        items = [fields for fields in map(readable_fields, newest[:SHOWN_PER_KIND]) if fields]
        kinds.append(Kind(key, str(KIND_LABELS.get(key, _("Annat"))), len(rows), items))
    return kinds


def readable_fields(row: dict[str, Any]) -> list[Field]:
    """The labelled columns with a value."""
    fields = []
    for column, label in FIELD_LABELS.items():
        value = row.get(column)
        if value is None or value == "":
            continue
        stored = isinstance(value, str) and value not in VALUE_LABELS and not is_moment(column)
        fields.append(Field(str(label), readable_value(column, value), stored))
    return fields


def is_moment(column: str) -> bool:
    return column.endswith(("_at", "_on"))


def readable_value(column: str, value: Any) -> str:
    if isinstance(value, bool):
        return _("Ja") if value else _("Nej")
    if column.endswith("_on"):
        return format_date(datetime.fromisoformat(value), "d MMMM yyyy")
    if column.endswith("_at"):
        return format_datetime(datetime.fromisoformat(value), _("d MMMM yyyy 'kl.' HH:mm"))
    text = str(VALUE_LABELS.get(value, value)) if isinstance(value, str) else str(value)
    return text if len(text) <= LONG_TEXT else text[:LONG_TEXT].rstrip() + " …"
