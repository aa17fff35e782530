"""Fake cluster time: starts at a fixed instant and only moves when told to."""

from __future__ import annotations

import datetime as _dt
import functools
import time

UTC = _dt.timezone.utc


def parse_duration(text: str | int | float) -> float:
    """'90s', '12m', '2h', '1d' or a number of seconds -> seconds."""
    if isinstance(text, (int, float)):
        return float(text)
    text = str(text).strip()
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if text and text[-1] in units:
        return float(text[:-1]) * units[text[-1]]
    return float(text)


@functools.lru_cache(maxsize=4096)
def iso(moment: _dt.datetime) -> str:
    """RFC 3339 with second precision and a Z suffix, as the API server writes it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_nano(moment: _dt.datetime) -> str:
    """The nanosecond form kubelet uses for log timestamps."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"


@functools.lru_cache(maxsize=4096)
def parse_time(stamp: str) -> _dt.datetime:
    return _dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


class Clock:
    """Cluster time. Live (default): follows the wall clock plus whatever was added with
    advance(), so ages look right to anything comparing with real time. Frozen (given a
    start): only advance() moves it, for fully deterministic tests."""

    def __init__(self, start: _dt.datetime | None = None):
        self.frozen = start is not None
        if start is not None and start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        self._start = start
        self._offset = _dt.timedelta()
        self._last_second, self._last_now = None, None

    def now(self) -> _dt.datetime:
        if self.frozen:
            return self._start + self._offset
        second = int(time.time())
        if second != self._last_second:      # one datetime per wall-clock second: now() is hot
            self._last_second, self._last_now = second, _dt.datetime.fromtimestamp(second, UTC)
        return self._last_now + self._offset

    def ago(self, seconds: float) -> _dt.datetime:
        return self.now() - _dt.timedelta(seconds=seconds)

    def advance(self, seconds: float) -> None:
        self._offset += _dt.timedelta(seconds=seconds)

    def seconds_since(self, stamp: str) -> float:
        return (self.now() - parse_time(stamp)).total_seconds()
