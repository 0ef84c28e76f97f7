"""Placing the estimated events that nothing anchored, between the ones that were.

An estimated time is only meaningful next to other estimates of the same clock: the events of
one capture file were spaced in file order, ending at the file's modification time, and a
logger's zone-less times share the logger's zone. Events of one hook type come from one capture
file (logging scripts write a file per hook, or one file for all), so the known points of an
event's clock are the anchored events and exact twins of its type, each known both by its
estimate (``recorded_at``) and by its final time. An unanchored event keeps the offset from the
nearest such point in estimated time; it never passes the points around it (the capture's
order is true) nor leaves the span of the exact events (the replay never stretches beyond what
the exact sources say).

A type without any known point (a capture's notifications, say) has no clock to read: its
events are spread evenly over the exact span, in capture order. Either way the time stays
``time_estimated``: a player shows it as approximate.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping

from vibecast.model import EventType
from vibecast.recorder.estimates import BEFORE, EstimateView, input_key

__all__ = ["place_estimates"]

_Point = tuple[int, int]  # (estimated time, final time)


def _known_points(view: EstimateView, anchored: Mapping[int, int]) -> dict[str, list[_Point]]:
    """Per event type: (estimate, final time) of anchored events and of exact twins."""
    points: defaultdict[str, list[_Point]] = defaultdict(list)
    for index, time in anchored.items():
        event = view.events[index]
        points[event.type].append((event.recorded_at, time))
    for index in view.exact:
        event = view.events[index]
        if event.time_estimated is False:  # an exact event that a capture also reported
            points[event.type].append((event.recorded_at, event.timestamp))
    return {kind: sorted(found) for kind, found in points.items()}


def _offset_from(points: list[_Point], estimate: int) -> tuple[int, int]:
    """The time at the same offset from the nearest point, kept between the points around it;
    and which gap between points it fell in (for keeping order within a gap)."""
    estimates = [point[0] for point in points]
    after = bisect_left(estimates, estimate)
    before = bisect_right(estimates, estimate) - 1
    low = points[before] if before >= 0 else None
    high = points[after] if after < len(points) else None
    nearest = low
    if nearest is None or (high is not None and high[0] - estimate < estimate - nearest[0]):
        nearest = high
    assert nearest is not None  # points is never empty
    time = nearest[1] + (estimate - nearest[0])
    if low is not None and high is not None and low[1] <= high[1]:
        time = min(max(time, low[1]), high[1])
    return time, after


def _spread(indices: list[int], first: int, last: int) -> dict[int, int]:
    count = len(indices)
    return {
        index: first + (last - first) * (k + 1) // (count + 1) for k, index in enumerate(indices)
    }


def _along_points(
    view: EstimateView, indices: Iterable[int], points: list[_Point]
) -> dict[int, int]:
    placed: dict[int, int] = {}
    previous: tuple[int, int] | None = None  # (gap, time) of the previous event of the type
    for index in indices:
        time, gap = _offset_from(points, view.events[index].recorded_at)
        time = min(max(time, view.first), view.last)
        if previous is not None and previous[0] == gap:
            time = max(time, previous[1])  # two guesses in one gap keep their capture order
        placed[index] = time
        previous = (gap, time)
    return placed


def _results_of_calls(view: EstimateView, indices: Iterable[int]) -> list[tuple[int, int]]:
    """(call, result) pairs among estimated tool events: by toolUseId, else the k-th call and
    the k-th result of one tool and input, each in capture order (a PostToolUse payload repeats
    its call's input; calls and results may come from different capture files)."""
    calls: defaultdict[object, list[int]] = defaultdict(list)
    results: defaultdict[object, list[int]] = defaultdict(list)
    for index in indices:
        event = view.events[index]
        key = event.tool_use_id or (event.tool, input_key(event.tool_input))
        if event.type == EventType.PRE_TOOL_USE:
            calls[key].append(index)
        elif event.type in (EventType.POST_TOOL_USE, EventType.POST_TOOL_USE_FAILURE):
            results[key].append(index)
    return [
        pair
        for key, found in calls.items()
        for pair in zip(found, results.get(key, ()), strict=False)
    ]


def _calls_before_results(view: EstimateView, placed: dict[int, int]) -> None:
    """A guessed call placed after its guessed result moves to just before it.

    Two guesses disagree there, and one must give way; results are the better placed of the
    two in practice (every call that ran has one, and hooks of Claude Code 2.x share their
    ids with the transcript's, so a capture's results have more exact neighbours).
    """
    for call, result in _results_of_calls(view, (i for i in view.guessed if i in placed)):
        if placed[call] > placed[result]:
            placed[call] = placed[result] + BEFORE


def place_estimates(view: EstimateView, anchored: Mapping[int, int]) -> dict[int, int]:
    """Final times for the estimated events of ``view`` that ``anchored`` does not time."""
    points = _known_points(view, anchored)
    rest: defaultdict[str, list[int]] = defaultdict(list)
    for index in view.guessed:
        if index not in anchored:
            rest[view.events[index].type].append(index)
    placed: dict[int, int] = {}
    for kind, indices in rest.items():
        known = points.get(kind)
        if known:
            placed.update(_along_points(view, indices, known))
        else:
            placed.update(_spread(indices, view.first, view.last))
    _calls_before_results(view, placed)
    return placed
