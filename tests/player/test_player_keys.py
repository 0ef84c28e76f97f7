"""Key decoding and what each key does to the player."""

from __future__ import annotations

from player_helpers import manual_player, prompts

from vibecast.player.keys import KeyDecoder
from vibecast.player.terminal import handle_key


def test_decodes_plain_keys_arrows_and_shift_arrows() -> None:
    decoder = KeyDecoder()
    data = b" q+-,.\x1b[D\x1b[C\x1b[1;2D\x1b[1;2C\x1bOA\x1b[d"
    assert decoder.feed(data) == [
        "space",
        "q",
        "+",
        "-",
        ",",
        ".",
        "left",
        "right",
        "shift-left",
        "shift-right",
        "up",
        "shift-left",
    ]


def test_a_sequence_split_across_reads_is_reassembled() -> None:
    decoder = KeyDecoder()
    assert decoder.feed(b"\x1b[1;") == []
    assert decoder.feed(b"2Cq") == ["shift-right", "q"]
    assert decoder.feed(b"\x1b") == []
    assert decoder.flush() == ["escape"]  # nothing followed: it was the Escape key


def test_unknown_sequences_and_multibyte_characters_do_not_leak_letters() -> None:
    decoder = KeyDecoder()
    assert decoder.feed(b"\x1b[15~\x1b[200~") == []  # F5, bracketed paste start
    assert decoder.feed("é".encode()) == ["é"]


def test_keys_drive_the_player() -> None:
    player, _ = manual_player(prompts(0, 1000, 30_000), duration_ms=40_000)
    assert handle_key(player, "space") and player.state().paused
    assert handle_key(player, "space") and not player.state().paused
    assert handle_key(player, "+") and player.state().speed == 2
    assert handle_key(player, "-") and handle_key(player, "-") and player.state().speed == 0.5
    assert handle_key(player, "right") and player.state().position_ms == 10_000
    assert handle_key(player, "left") and player.state().position_ms == 0
    assert handle_key(player, ".") and player.state().position_ms == 0  # stepped to the event at 0
    assert handle_key(player, "shift-right") and player.state().position_ms == 1000
    assert handle_key(player, ",") and player.state().position_ms == 0
    assert not handle_key(player, "x")
    assert handle_key(player, "q")
    delivered: list[object] = []
    player.run(delivered.append)  # returns at once: q asked it to stop
    assert delivered == [] and not player.state().ended
