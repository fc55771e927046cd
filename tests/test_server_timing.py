"""The Server-Timing header: off by default, and true to the queries a page made when on."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext


def test_no_header_unless_the_site_asks(client, directory, user):
    client.force_login(user)
    assert "Server-Timing" not in client.get(directory.url)


def test_the_header_counts_the_queries_of_the_page(client, directory, user, settings):
    settings.KHUB_SERVER_TIMING = True
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(directory.url)
    header = response["Server-Timing"]
    match = re.fullmatch(r'db;dur=(\d+\.\d);desc="(\d+) queries", total;dur=(\d+\.\d)', header)
    assert match, header
    assert int(match.group(2)) == len(captured)
    assert float(match.group(1)) <= float(match.group(3))
