"""Cheap markup checks on directory pages: unique ids, labelled inputs, headings in order."""

from __future__ import annotations

import itertools
import re
from collections import Counter

import pytest

from hub.auth.models import Role


@pytest.fixture
def pages(client, login, create_person, create_network):
    me = create_person(name="Maja Mall", tags=("Surfplattor",), areas=("aldreomsorg",))
    create_person(name="Olle Öppen", municipality_code="0180", unit_id=1)
    coordinator = create_person(name="Cissi Samordnare", role=Role.COORDINATOR)
    create_network(slug="halland", coordinators=[coordinator])
    login(me)
    return ["/katalog", f"/katalog/{me.id}", "/kommun/1381", "/installningar/profil"]


def test_markup(client, pages):
    for path in pages:
        html = client.get(path).text
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert [i for i, n in Counter(ids).items() if n > 1] == [], path
        labelled = set(re.findall(r'<label[^>]*\sfor="([^"]+)"', html))
        for tag, attrs in re.findall(r"<(input|select|textarea)([^>]*)>", html):
            if 'type="hidden"' in attrs or 'type="submit"' in attrs:
                continue
            input_id = re.search(r'\sid="([^"]+)"', attrs)
            assert input_id and input_id.group(1) in labelled, (path, tag, attrs)
        levels = [int(n) for n in re.findall(r"<h([1-6])[\s>]", html)]
        assert levels[0] == 1, path
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), (path, levels)
        assert " style=" not in html and "onclick" not in html, path
