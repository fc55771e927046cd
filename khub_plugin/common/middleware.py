"""Server-Timing: SQL query count and time, and total time, on every response (W3C Server Timing).

Off unless ``KHUB_SERVER_TIMING = True``; then browsers' developer tools show the figures under "Timing", and
``curl -sI`` prints them. Add ``"khub_plugin.common.middleware.ServerTimingMiddleware"`` near the top of
``MIDDLEWARE``. Meant for development and measurements: the figures tell anyone who can see the response how
much work a page costs.
"""

import time

from django.db import connections

from khub_plugin.conf import khub_settings


class _QueryTimer:
    """A database execute wrapper that counts queries and adds up their time."""

    def __init__(self):
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - start


class ServerTimingMiddleware:
    """Adds ``Server-Timing: db;dur=…;desc="N queries", total;dur=…`` when the setting is on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not khub_settings.SERVER_TIMING:
            return self.get_response(request)
        timer = _QueryTimer()
        start = time.perf_counter()
        wrappers = [connection.execute_wrapper(timer) for connection in connections.all()]
        for wrapper in wrappers:
            wrapper.__enter__()
        try:
            response = self.get_response(request)
        finally:
            for wrapper in reversed(wrappers):
                wrapper.__exit__(None, None, None)
        total = (time.perf_counter() - start) * 1000
        metrics = f'db;dur={timer.seconds * 1000:.1f};desc="{timer.count} queries", total;dur={total:.1f}'
        existing = response.get("Server-Timing")
        response["Server-Timing"] = f"{existing}, {metrics}" if existing else metrics
        return response
