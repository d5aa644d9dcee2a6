"""Whatever is typed into the directory's query string, the answer is a page, never a 500."""

from __future__ import annotations

from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PARAMS = ["q", "region", "kommun", "roll", "omrade", "tagg", "page", "per_page"]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.dictionaries(st.sampled_from(PARAMS), st.text(max_size=40), max_size=5))
def test_any_query_string_gives_a_page(client, login, create_user, args):
    if not getattr(client, "_signed_in", False):
        login(create_user())
        client._signed_in = True
    for path in ("/katalog", "/kommun/1381"):
        response = client.get(f"{path}?{urlencode(args)}")
        assert response.status_code == 200, (path, args)
