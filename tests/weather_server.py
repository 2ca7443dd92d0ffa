"""A local stand-in for Open-Meteo's forecast endpoint (127.0.0.1 only), for the heat tests.

It answers ``GET /v1/forecast`` in Open-Meteo's real shape (hourly, ``timezone=GMT``), with the
temperature and humidity the test sets for every hour; or fails as the test says: a slow
answer, an error status, or garbage.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class WeatherServer:
    def __init__(self) -> None:
        self.temperature = 20.0
        self.humidity = 50.0
        self.start_day = date(2027, 3, 20)
        self.mode = "ok"  # ok | slow | error | garbage | half
        self.delay = 2.0
        self.requests: list[dict[str, list[str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                server.requests.append(parse_qs(url.query))
                if server.mode == "slow":
                    time.sleep(server.delay)
                if server.mode == "error":
                    self._answer(500, b'{"error":true,"reason":"Internal"}')
                elif server.mode == "garbage":
                    self._answer(200, b"<html>not json</html>")
                elif server.mode == "half":
                    self._answer(200, b'{"latitude": 52.5, "hourly": {"time": ["2027-03-2')
                else:
                    self._answer(200, json.dumps(server.body(url.query)).encode())

            def _answer(self, status: int, body: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (a time-out test)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1/forecast"

    def body(self, query: str) -> dict[str, Any]:
        """Open-Meteo's answer for two days, every hour alike (as a real one, e.g.
        api.open-meteo.com/v1/forecast?latitude=52.52&longitude=13.41&hourly=temperature_2m,
        relative_humidity_2m&timezone=GMT&forecast_days=2)."""
        params = parse_qs(query)
        hours = [
            f"{self.start_day + timedelta(days=d)}T{h:02d}:00" for d in range(3) for h in range(24)
        ]
        return {
            "latitude": float(params.get("latitude", ["52.5"])[0]),
            "longitude": float(params.get("longitude", ["13.4"])[0]),
            "generationtime_ms": 0.0629425048828125,
            "utc_offset_seconds": 0,
            "timezone": "GMT",
            "timezone_abbreviation": "GMT",
            "elevation": 38.0,
            "hourly_units": {
                "time": "iso8601",
                "temperature_2m": "°C",
                "relative_humidity_2m": "%",
            },
            "hourly": {
                "time": hours,
                "temperature_2m": [self.temperature] * len(hours),
                "relative_humidity_2m": [int(self.humidity)] * len(hours),
            },
        }

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
