"""Cutting a reply down to what the person wrote: no quoted history, no signature.

mail-parser-reply knows the Swedish and English headers of Outlook ("Från:/Skickat:",
"From:/Sent:"), Apple Mail and Gmail ("Den … skrev …:", "On … wrote:"), "Skickat från min
iPhone" and the usual sign-offs. Around it we handle what it misses: Gmail's wrapped
"skrev"/"wrote" line, Outlook's underscore rule and a "-- " signature.
"""

from __future__ import annotations

import re

from mailparser_reply import EmailReplyParser

LANGUAGES = ["sv", "en"]
# Lines from which everything is old mail or signature.
CUT_LINES = (
    re.compile(r"^_{20,}\s*$"),  # Outlook's rule above the quoted header
    re.compile(r"^-{2,}\s*(Ursprungligt meddelande|Original Message)\s*-{2,}", re.IGNORECASE),
    re.compile(r"^-- ?$"),  # the signature separator
    re.compile(r"^(Skickat från|Sent from|Hämta Outlook för|Get Outlook for) ", re.IGNORECASE),
    re.compile(r"^>"),
)
# Gmail wraps a long "Den … skrev …:" over two lines; join them before parsing.
WRAPPED_INTRO = re.compile(
    r"^((?:Den|On) [^\n]{5,200})\n([^\n]{0,120}(?:skrev|wrote):)$", re.MULTILINE
)


def trim_reply(text: str) -> str:
    text = WRAPPED_INTRO.sub(r"\1 \2", text.replace("\r\n", "\n"))
    parsed = EmailReplyParser(languages=LANGUAGES).read(text)
    body = parsed.replies[0].body if parsed.replies else text
    return _cut(body).strip()


def _cut(text: str) -> str:
    kept: list[str] = []
    for line in text.split("\n"):
        if any(pattern.match(line.strip()) for pattern in CUT_LINES):
            break
        kept.append(line)
    return "\n".join(kept)
