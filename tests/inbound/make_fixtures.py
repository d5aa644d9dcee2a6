"""Writes the iTIP and winmail.dat fixtures (run once by hand; the .eml files are checked in).

The calendar parts are as Outlook (Exchange) and Google Calendar send them: base64 text/calendar
with METHOD:REPLY beside a short text part; the winmail.dat is a TNEF stream with the message
class Outlook gives a meeting response and no iCalendar at all.
"""

from __future__ import annotations

import base64
import struct
from pathlib import Path

HERE = Path(__file__).parent / "fixtures"
UID = "stafetten-traff-fixture@stafetten.test"

OUTLOOK_ICS = """BEGIN:VCALENDAR
METHOD:REPLY
PRODID:Microsoft Exchange Server 2010
VERSION:2.0
BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
ATTENDEE;PARTSTAT={partstat};CN=Karin Ek:mailto:karin.ek@laholm.se
COMMENT;LANGUAGE=sv-SE:\\n
UID:{uid}
SUMMARY;LANGUAGE=sv-SE:{verb}: Nätverksträff i Laholm
DTSTART;TZID=W. Europe Standard Time:20261210T130000
DTEND;TZID=W. Europe Standard Time:20261210T160000
CLASS:PUBLIC
PRIORITY:5
DTSTAMP:20261204T093512Z
TRANSP:OPAQUE
STATUS:CONFIRMED
SEQUENCE:{sequence}
LOCATION;LANGUAGE=sv-SE:Laholms bibliotek
X-MICROSOFT-CDO-APPT-SEQUENCE:{sequence}
X-MICROSOFT-CDO-OWNERAPPTID:-1182245876
X-MICROSOFT-CDO-BUSYSTATUS:BUSY
X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY
X-MICROSOFT-CDO-ALLDAYEVENT:FALSE
X-MICROSOFT-CDO-IMPORTANCE:1
X-MICROSOFT-CDO-INSTTYPE:0
X-MICROSOFT-DONOTFORWARDMEETING:FALSE
X-MICROSOFT-DISALLOW-COUNTER:FALSE
END:VEVENT
END:VCALENDAR
"""

GOOGLE_ICS = """BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:REPLY
BEGIN:VEVENT
DTSTART:20261210T120000Z
DTEND:20261210T150000Z
DTSTAMP:20261204T101530Z
ORGANIZER;CN=Hallands nätverk:mailto:rsvp+token@svar.stafetten.test
UID:{uid}
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={partstat};CN=Sara
 Holm;X-NUM-GUESTS=0:mailto:sara.holm@gmail.com
CREATED:20261204T091200Z
DESCRIPTION:
LAST-MODIFIED:20261204T101530Z
LOCATION:Laholms bibliotek
SEQUENCE:{sequence}
STATUS:CONFIRMED
SUMMARY:Nätverksträff i Laholm
TRANSP:OPAQUE
END:VEVENT
END:VCALENDAR
"""


def b64(text: str) -> str:
    data = base64.b64encode(text.replace("\n", "\r\n").encode()).decode()
    return "\n".join(data[i : i + 76] for i in range(0, len(data), 76))


def outlook_reply(partstat: str, verb: str, sequence: int, message_id: str) -> str:
    ics = OUTLOOK_ICS.format(partstat=partstat, uid=UID, verb=verb, sequence=sequence)
    return f"""From: Karin Ek <karin.ek@laholm.se>
To: Hallands nätverk <rsvp+token@svar.stafetten.test>
Subject: {verb}: Nätverksträff i Laholm
Thread-Topic: Nätverksträff i Laholm
Date: Fri, 4 Dec 2026 09:35:12 +0000
Message-ID: <{message_id}@GV1P189MB1234.EURP189.PROD.OUTLOOK.COM>
Accept-Language: sv-SE, en-US
Content-Language: sv-SE
X-MS-Has-Attach:
X-MS-TNEF-Correlator:
MIME-Version: 1.0
Content-Type: multipart/alternative;
	boundary="_000_{message_id}_"

--_000_{message_id}_
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: base64

{b64("")}

--_000_{message_id}_
Content-Type: text/calendar; charset="utf-8"; method=REPLY
Content-Transfer-Encoding: base64

{b64(ics)}

--_000_{message_id}_--
"""


def google_reply(partstat: str, verb: str) -> str:
    ics = GOOGLE_ICS.format(partstat=partstat, uid=UID, sequence=0)
    summary = f"Sara Holm har {verb.lower()} denna inbjudan.\n\nNätverksträff i Laholm\n"
    return f"""MIME-Version: 1.0
Date: Fri, 4 Dec 2026 11:15:30 +0100
Message-ID: <000000000000b4c5d6e7f8091a2b@google.com>
Subject: {verb}: Nätverksträff i Laholm @ tors 10 dec. 2026 13:00 - 16:00 (CET)
 (Hallands nätverk)
From: Sara Holm <sara.holm@gmail.com>
To: rsvp+token@svar.stafetten.test
Content-Type: multipart/mixed; boundary="000000000000c1d2e3f4a5b6c7d8"

--000000000000c1d2e3f4a5b6c7d8
Content-Type: multipart/alternative; boundary="000000000000c1d2e3f4a5b6c7d9"

--000000000000c1d2e3f4a5b6c7d9
Content-Type: text/plain; charset="UTF-8"; format=flowed; delsp=yes
Content-Transfer-Encoding: base64

{b64(summary)}

--000000000000c1d2e3f4a5b6c7d9
Content-Type: text/calendar; charset="UTF-8"; method=REPLY
Content-Transfer-Encoding: 7bit

{ics}
--000000000000c1d2e3f4a5b6c7d9--

--000000000000c1d2e3f4a5b6c7d8
Content-Type: application/ics; name="invite.ics"
Content-Disposition: attachment; filename="invite.ics"
Content-Transfer-Encoding: base64

{b64(ics)}
--000000000000c1d2e3f4a5b6c7d8--
"""


def tnef_attribute(level: int, name: int, kind: int, data: bytes) -> bytes:
    checksum = sum(data) & 0xFFFF
    return struct.pack("<BHHI", level, name, kind, len(data)) + data + struct.pack("<H", checksum)


def winmail(message_class: str) -> bytes:
    """A TNEF stream as Outlook writes a meeting response in rich text mode."""
    parts = [
        struct.pack("<IH", 0x223E9F78, 0x2B1C),
        tnef_attribute(1, 0x9006, 0x0008, struct.pack("<I", 0x00010000)),  # TNEF version
        tnef_attribute(1, 0x9007, 0x0006, struct.pack("<II", 1252, 0)),  # OEM code page
        tnef_attribute(1, 0x8008, 0x0007, message_class.encode() + b"\0"),  # message class
        tnef_attribute(
            1, 0x8004, 0x0001, "Accepterat: Nätverksträff i Laholm".encode("cp1252") + b"\0"
        ),
        tnef_attribute(1, 0x800C, 0x0002, b"Jag kommer.\0"),  # body
    ]
    return b"".join(parts)


def winmail_reply() -> str:
    data = base64.b64encode(winmail("IPM.Schedule.Meeting.Resp.Pos")).decode()
    return f"""From: Karin Ek <karin.ek@laholm.se>
To: Hallands nätverk <rsvp+token@svar.stafetten.test>
Subject: Accepterat: Nätverksträff i Laholm
Date: Fri, 4 Dec 2026 09:40:02 +0000
Message-ID: <GV1P189MB1234TNEF0001@GV1P189MB1234.EURP189.PROD.OUTLOOK.COM>
Content-Language: sv-SE
X-MS-Has-Attach:
X-MS-TNEF-Correlator: <GV1P189MB1234TNEF0001@GV1P189MB1234.EURP189.PROD.OUTLOOK.COM>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="_002_GV1P189MB1234TNEF0001_"

--_002_GV1P189MB1234TNEF0001_
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 8bit

Jag kommer.

--_002_GV1P189MB1234TNEF0001_
Content-Type: application/ms-tnef; name="winmail.dat"
Content-Disposition: attachment; filename="winmail.dat"
Content-Transfer-Encoding: base64

{data}

--_002_GV1P189MB1234TNEF0001_--
"""


def main() -> None:
    files = {
        "itip_outlook_accept.eml": outlook_reply(
            "ACCEPTED", "Accepterat", 0, "GV1P189MB1234ITIP0001"
        ),
        "itip_outlook_tentative.eml": outlook_reply(
            "TENTATIVE", "Preliminärt", 0, "GV1P189MB1234ITIP0002"
        ),
        "itip_google_decline.eml": google_reply("DECLINED", "Avböjt"),
        "winmail_accept.eml": winmail_reply(),
    }
    for name, text in files.items():
        (HERE / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
