"""Hypothesis strategies for RecordedEvents as importers produce them."""

from __future__ import annotations

from hypothesis import strategies as st

from vibecast.model import Attachment, RecordedEvent, SceneState
from vibecast.store.codec import BLOB_MIN_BYTES

# JSON values as an importer produces them: any unicode (no lone surrogates: they are not valid
# UTF-8), big integers, finite floats, nesting.
_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_big_strings = st.builds(
    lambda piece, times: piece * times,
    st.text(min_size=1, max_size=12),
    st.integers(min_value=BLOB_MIN_BYTES // 4, max_value=BLOB_MIN_BYTES // 2),
)
_json_values = st.recursive(
    _scalars | _big_strings,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_maybe_text = st.none() | st.text(max_size=40)
_sticky = st.sampled_from([None, "a", "b", "/home/dev/ü project"])


@st.composite
def events_strategy(draw: st.DrawFn, max_events: int = 12) -> list[RecordedEvent]:
    """Events of one session, with repeated payloads, changing sticky fields and odd timings."""
    pool = draw(st.lists(_big_strings, min_size=1, max_size=3))  # payloads that repeat
    count = draw(st.integers(min_value=1, max_value=max_events))
    base = draw(st.integers(min_value=0, max_value=2_000_000_000_000))
    events = []
    rel = 0
    for _ in range(count):
        rel += draw(st.integers(min_value=0, max_value=120_000))
        timestamp = base + rel + draw(st.sampled_from([0, 0, 0, 7, -3]))
        payload = draw(st.sampled_from(pool) | _json_values)
        attachments = draw(
            st.none()
            | st.lists(
                st.builds(
                    Attachment,
                    kind=st.sampled_from(["image", "document"]),
                    media_type=_maybe_text,
                    blob=st.none() | st.text("0123456789abcdef", min_size=64, max_size=64),
                    size=st.none() | st.integers(min_value=0, max_value=10**9),
                ),
                max_size=2,
            )
        )
        events.append(
            RecordedEvent(
                id=draw(st.text(min_size=1, max_size=40)),
                timestamp=timestamp,
                recorded_at=timestamp + draw(st.sampled_from([0, 0, 0, 15, -2])),
                relative_time_ms=rel + draw(st.sampled_from([0, 0, 0, 1])),
                type=draw(st.sampled_from(["pre_tool_use", "post_tool_use", "weird-new-type"])),
                session_id=draw(st.sampled_from(["s1", "s1", "s2"])),
                cwd=draw(_sticky),
                model=draw(_sticky),
                agent_id=draw(_sticky),
                tool=draw(_maybe_text),
                tool_input=draw(_json_values),
                tool_response=payload,
                success=draw(st.none() | st.booleans()),
                text=draw(st.none() | st.sampled_from(pool) | st.text()),
                usage=draw(st.none() | st.dictionaries(st.text(max_size=5), st.integers())),
                attachments=attachments,
                raw=draw(
                    st.none() | st.dictionaries(st.text(max_size=5), _json_values, max_size=3)
                ),
                scene_state=draw(
                    st.none()
                    | st.builds(
                        SceneState,
                        camera_position=st.none()
                        | st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=3),
                        focused_zone=_maybe_text,
                        active_modals=st.lists(st.text(max_size=5), max_size=2),
                    )
                ),
            )
        )
    return events
