"""The basics explorers: a control change redraws, bad input is shown in the page and keeps the last figure."""

from __future__ import annotations

import html

import pytest

from tcpkit.plot import new_figure
from tcpkit.plot.basics import plot_framing, plot_header_bytes, plot_seq_ladder
from tcpkit.segment import header_pair, parse_tcp, verify_tcp_checksum, verify_udp_checksum
from tcpkit.stream import conversation, framing
from tcpkit.widgets.basics import HEADER_PRESETS, framing_demo, header_explorer, parse_sack_blocks, seq_stepper


def _bad_then_good(e, key, bad, msg, good):
    before_png, before = e.png(), e.result
    e.controls[key].value = bad
    assert e.error == msg
    assert html.escape(msg) in e.message.value
    assert e.png() == before_png and e.result is before
    e.controls[key].value = good
    assert e.error is None and e.message.value == ""


@pytest.mark.parametrize("preset", sorted(HEADER_PRESETS))
def test_header_explorer_presets_build_valid_bytes(preset):
    e = header_explorer(preset)
    r = e.result
    seg = r.tcp.to_bytes(r.payload)
    assert verify_tcp_checksum(r.src, r.dst, seg)
    assert verify_udp_checksum(r.src, r.dst, r.udp.to_bytes(r.payload))
    assert parse_tcp(seg).header == r.tcp
    assert e.png()[:4] == b"\x89PNG"


def test_header_explorer_reacts_to_ports_flags_and_options():
    e = header_explorer("linux_syn")
    assert e.result.tcp.data_offset == 10
    png = e.png()
    e.controls["src_port"].value = 5353
    assert e.result.tcp.src_port == 5353 and e.result.udp.src_port == 5353 and e.png() != png
    png = e.png()
    e.controls["flag_ACK"].value = True
    assert e.result.tcp.flag_text == "SYN+ACK" and e.png() != png
    e.controls["opt_ts"].value = False
    assert e.result.tcp.data_offset == 8  # MSS 4 + NOP NOP SACK-Permitted 4 + NOP WS 4 = 12 bytes
    e.controls["sack"].value = "1000-2000"
    assert e.result.tcp.options[-1].blocks == ((1000, 2000),)
    # Linux's data-segment layout: NOP NOP TS NOP NOP SACK, 4-byte aligned, no padding
    d = header_explorer("data_sack").result.tcp
    assert [o.name for o in d.options] == ["NOP", "NOP", "TS", "NOP", "NOP", "SACK"] and d.header_length == 44


def test_header_explorer_bad_input_shows_message():
    e = header_explorer("bare_syn")
    _bad_then_good(e, "src_port", 70000, "src_port must be in [0, 65535], got 70000", 1234)
    _bad_then_good(e, "dst", "::1", "src and dst must be the same IP version, got IPv4 and IPv6", "10.0.0.9")
    _bad_then_good(e, "sack", "1-2 3", "sack item 2 must look like 1000-2000, got '3'", "")
    e.controls["opt_ts"].value = True
    _bad_then_good(e, "sack", "1-2 3-4 5-6 7-8", f"options must fit in 40 bytes (data_offset ≤ 15), got {2 + 10 + 2 + (2 + 8 * 4)} bytes",
                   "1-2")
    with pytest.raises(ValueError, match="preset must be one of"):
        header_explorer("nope")


def test_parse_sack_blocks():
    assert parse_sack_blocks("") == ()
    assert parse_sack_blocks("10-20") == ((10, 20),)


def test_seq_stepper_steps_and_errors():
    e = seq_stepper("C100 S50", client_isn=1000, server_isn=5000, step=3)
    conv, step, rel = e.result
    assert len(conv.segments) == 10 and step == 3 and rel is False
    png = e.png()
    e.controls["step"].value = 7
    assert e.result[1] == 7 and e.png() != png
    png = e.png()
    e.controls["relative"].value = True
    assert e.result[2] is True and e.png() != png
    e.controls["delayed_ack"].value = False
    assert len(e.result[0].segments) == 11
    _bad_then_good(e, "messages", "C100 X5",
                   "messages item 2 must look like C100 or S:50 (C = client, S = server), got 'X5'", "C10 S20 C30")
    _bad_then_good(e, "client_isn", -1, "client_isn must be in [0, 4294967295], got -1", 4294967295)
    assert e.result[0].segments[1].ack == 0  # ISN 2**32 − 1 + 1 wraps to 0


def test_framing_demo_methods():
    e = framing_demo("GET /a|GET /b|GET /c", method="none", seed=3, max_segment=8)
    assert not e.result.ok
    png = e.png()
    e.controls["method"].value = "length"
    assert e.result.ok and e.result.received == (b"GET /a", b"GET /b", b"GET /c") and e.png() != png
    png = e.png()
    e.controls["seed"].value = 11
    assert e.result.ok and e.png() != png
    e.controls["method"].value = "delimiter"
    assert e.result.ok
    _bad_then_good(e, "messages", "|".join(["m"] * 65), "number of messages must be in [1, 64], got 65", "a|b")


def test_framing_demo_delimiter_in_message():
    e = framing_demo("a|b", method="delimiter")
    _bad_then_good(e, "messages", "x\ny|z",
                   "messages[0] contains the delimiter b'\\n' at byte 1; escape it or use length-prefix framing",
                   "x|y|z")
    assert e.result.received == (b"x", b"y", b"z")


def test_plot_functions_make_their_own_figure():
    assert plot_header_bytes(header_pair()).get_xlim() == (-12.0, 79.0)
    ax = plot_seq_ladder(conversation("C1"))
    assert len(ax.figure.artists) == 1  # all labels in one overlay image
    fig = new_figure(6, 3)
    plot_framing(framing([b"ab", b"cd"], method="length"), fig=fig)
    overlay = fig.artists[0].img
    assert overlay.shape == (round(fig.bbox.height), round(fig.bbox.width), 4) and overlay[..., 3].max() == 255
