"""Stops: a Stop hook fires when the agent finishes a turn, right after its last message.

A ``stop`` / ``subagent_stop`` whose ``response`` (Claude Code 2.x sends the last assistant
message) is the text of an exact ``assistant_message`` of the same thread — equal, or one a
prefix or suffix of the other, as when a transcript splits a message into blocks — is anchored
just after that message. Matching keeps capture order: each stop of a thread takes the first
matching message after the one the previous stop took.

Stops of Claude Code 1.0.x carry no text. A main-thread stop that no text anchored closes a
turn — the exchange from one prompt to the next — so, in capture order, each takes the first
turn after the previous stop's that no other stop closed, and is placed just after the turn's
last exact event. Turns without any exact event after their prompt (a transcript that lost
them) are skipped: their end is unknown.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict

from vibecast.model import EventType
from vibecast.recorder.estimates import AFTER, Anchoring, EstimateView, is_main_thread
from vibecast.recorder.titles import clean_prompt

__all__ = ["MIN_AFFIX_CHARS", "anchor_stops", "same_text"]

MIN_AFFIX_CHARS = 24
"""A prefix or suffix this short could be anyone's ("Done."); only equal texts match then."""


def same_text(response: str | None, text: str | None) -> bool:
    """Whether a stop's ``response`` and an assistant message's ``text`` are the same words."""
    if not response or not text:
        return False
    response, text = response.strip(), text.strip()
    if not response or not text:
        return False
    if response == text:
        return True
    short, long = sorted((response, text), key=len)
    return len(short) >= MIN_AFFIX_CHARS and (long.startswith(short) or long.endswith(short))


def anchor_stops(view: EstimateView, anchoring: Anchoring) -> None:
    """Anchor stops by their text, then the main thread's remaining stops by turn."""
    by_text = _stops_by_response(view, anchoring)
    _stops_by_turn(view, anchoring, by_text)


def _thread_of_stop(view: EstimateView, index: int) -> str | None:
    """The thread a stop closes: "" (main), an agent id, or None (a subagent it does not name)."""
    event = view.events[index]
    if event.type == EventType.STOP:
        return ""
    return event.agent_id or None


def _stops_by_response(view: EstimateView, anchoring: Anchoring) -> dict[int, int]:
    """Anchor stops to the message they repeat; returns stop index -> message index."""
    messages: defaultdict[str | None, list[int]] = defaultdict(list)
    for index in view.exact_of(EventType.ASSISTANT_MESSAGE):
        event = view.events[index]
        if not event.text:
            continue
        if is_main_thread(event):
            messages[""].append(index)
            continue
        messages[None].append(index)  # any subagent's, for stops that name none
        agent = view.agent_of(event)
        if agent:
            messages[agent].append(index)
    cursor: dict[str | None, int] = {}
    matched: dict[int, int] = {}
    for index in anchoring.free(view.guessed_of(EventType.STOP, EventType.SUBAGENT_STOP)):
        thread = _thread_of_stop(view, index)
        candidates = messages.get(thread, [])
        response = view.events[index].response
        start = cursor.get(thread, 0)
        texts = (view.events[candidate].text for candidate in candidates[start:])
        found = next((k for k, text in enumerate(texts, start) if same_text(response, text)), None)
        if found is None:
            continue
        cursor[thread] = found + 1
        matched[index] = candidates[found]
        anchoring.pin(index, view.time(candidates[found]) + AFTER)
    return matched


def _turns(view: EstimateView) -> tuple[list[int], list[int | None]]:
    """Start times of the main thread's turns (its exact typed prompts) and each turn's end."""
    starts = [
        view.time(index)
        for index in view.exact_of(EventType.USER_PROMPT_SUBMIT)
        if is_main_thread(view.events[index])
        and clean_prompt(view.events[index].prompt or view.events[index].text)
    ]
    ends: list[int | None] = [None] * len(starts)
    for index in view.exact:
        event = view.events[index]
        if not is_main_thread(event) or event.type == EventType.USER_PROMPT_SUBMIT:
            continue
        turn = bisect_right(starts, event.timestamp) - 1
        if turn >= 0:
            ends[turn] = event.timestamp
    return starts, ends


def _stops_by_turn(view: EstimateView, anchoring: Anchoring, by_text: dict[int, int]) -> None:
    stops = view.guessed_of(EventType.STOP)
    if not stops or all(index in anchoring.times for index in stops):
        return
    starts, ends = _turns(view)
    closed = {bisect_right(starts, view.time(message)) - 1 for message in by_text.values()}
    previous = -1
    for index in stops:
        if index in by_text:
            previous = bisect_right(starts, view.time(by_text[index])) - 1
            continue
        if index in anchoring.times:
            continue
        for turn in range(previous + 1, len(starts)):
            end = ends[turn]
            if end is not None and turn not in closed:
                closed.add(turn)
                previous = turn
                anchoring.pin(index, end + AFTER)
                break
