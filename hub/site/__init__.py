"""The site around the parts: the start page, the language switch and the accessibility report.

It builds on every part (the start page shows the forum, meetings and material), so it is not in
``hub/core``, which the parts build on."""
