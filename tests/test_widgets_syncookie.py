"""The SYN-cookie calculator and the SYN-flood explorer: in-process, without a kernel."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from tcpkit.queues import compare_syncookies
from tcpkit.syncookie import SynCookieSecrets, cookie_v4_init_sequence
from tcpkit.widgets.syncookie import syncookie_calculator, synflood_explorer


def _size(png: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(png)).size


# --- calculator -----------------------------------------------------------------
def test_calculator_default_is_the_cookie_of_the_model():
    e = syncookie_calculator()
    expect, mss = cookie_v4_init_sequence("192.0.2.1", "198.51.100.7", 40000, 80, 1000, 1460, minute=71577,
                                          secrets=SynCookieSecrets.from_seed(0))
    assert e.result.syn.cookie == expect and e.result.check.mss == mss
    assert f"0x{expect:08x}" in e.summary.value and str(expect) in e.summary.value
    assert e.png()[:4] == b"\x89PNG" and _size(e.png()) == (576, 216)


@pytest.mark.parametrize(("key", "value", "check"), [
    ("ack", "replay_3min", lambda r: r.check.reason == "too_old"),
    ("ack", "tampered_ack", lambda r: r.check.reason == "bad_hash"),
    ("ack", "other_port", lambda r: not r.check.accepted and r.ack_sport == 40001),
    ("ack", "next_minute", lambda r: r.check.mss == 1460 and r.check.age == 1),
    ("mss", 1452, lambda r: r.syn.mss_used == 1440 and r.check.mss == 1440),
    ("minute", 71578, lambda r: r.syn.count == 71578),
    ("secret_seed", 7, lambda r: r.check.accepted),
    ("sport", 40001, lambda r: r.syn.hash0_input[10:12] == (40001).to_bytes(2, "big")),
])
def test_calculator_control_changes_result_and_picture(key, value, check):
    e = syncookie_calculator()
    before_png, before = e.png(), e.result
    e.controls[key].value = value
    assert e.error is None
    assert e.result != before and check(e.result)
    assert e.png() != before_png


@pytest.mark.parametrize(("key", "bad", "msg"), [
    ("client_isn", -1, "client_isn must be in [0, 4294967295], got -1"),
    ("saddr", "192.0.2", "saddr must be an IPv4 address like '192.0.2.1', got '192.0.2'"),
    ("minute", -5, "minute must be in [0, 4294967295], got -5"),
    ("mss", 0, "mss must be in [1, 65535], got 0"),
])
def test_calculator_bad_input_shows_message_and_keeps_figure(key, bad, msg):
    e = syncookie_calculator()
    e.controls["ack"].value = "guess"
    good_png, good = e.png(), e.result
    e.controls[key].value = bad
    assert e.error == msg
    assert msg.replace("'", "&#x27;") in e.message.value and "tcpkit-error" in e.message.value
    assert e.png() == good_png and e.result is good
    e.controls["ack"].value = "honest"
    assert e.error is not None  # still bad
    e.controls[key].value = {"client_isn": 5, "saddr": "192.0.2.9", "minute": 71590, "mss": 536}[key]
    assert e.error is None and e.message.value == "" and e.png() != good_png and e.result.check.accepted


def test_calculator_mimebundle_has_the_current_png():
    e = syncookie_calculator(ack="tampered_ack")
    b = e._repr_mimebundle_()
    assert base64.b64decode(b["image/png"]) == e.png()
    assert e.fig.axes  # the matplotlib figure behind the PNG


# --- SYN-flood explorer ---------------------------------------------------------
def test_flood_explorer_default_runs_the_model():
    e = synflood_explorer()
    chosen, other = e.result
    ref = compare_syncookies(duration=60.0, attack_start=5.0, dt=0.02, contrast_dt=0.05)
    assert chosen.summary() == ref[0].summary() and other.summary() == ref[1].summary()
    assert other.params.syncookies == 0 and other.params.dt == 0.05
    assert "正常连接成功 100%" in e.summary.value
    assert _size(e.png()) == (576, 324)


@pytest.mark.parametrize(("key", "value"), [("syncookies", 0), ("syncookies", 2), ("attack_rate", 1000.0),
                                            ("backlog", 1024), ("somaxconn", 64), ("accept_rate", 10.0),
                                            ("synack_retries", 2), ("legit_rate", 1000.0), ("abort_on_overflow", 1)])
def test_flood_control_changes_result_and_picture(key, value):
    e = synflood_explorer(accept_rate=50.0) if key == "abort_on_overflow" else synflood_explorer()
    before_png, before = e.png(), e.result
    e.controls[key].value = value
    assert e.error is None
    assert e.result[0].params != before[0].params
    assert getattr(e.result[0].params, key) == value
    assert e.png() != before_png


def test_flood_cookie_switch_is_visible_in_the_summary():
    e = synflood_explorer()
    on = e.result[0].summary()["success_fraction"]
    e.controls["syncookies"].value = 0
    off = e.result[0].summary()["success_fraction"]
    assert on > 0.9 > 0.2 > off


@pytest.mark.parametrize(("key", "bad", "msg"), [
    ("backlog", -1, "backlog must be in [0, 1000000], got -1"),
    ("somaxconn", 10**7, "somaxconn must be in [0, 1000000], got 10000000"),
])
def test_flood_bad_input_shows_message_and_keeps_figure(key, bad, msg):
    e = synflood_explorer()
    good_png, good = e.png(), e.result
    e.controls[key].value = bad
    assert e.error == msg and msg in e.message.value
    assert e.png() == good_png and e.result is good
    e.controls[key].value = 256
    assert e.error is None and e.message.value == "" and e.png() != good_png


# --- the static plot functions used on the page ------------------------------------
@pytest.mark.parametrize("ack", ["honest", "replay_3min", "tampered_ack", "guess"])
def test_plot_cookie_draws_without_warnings(ack, recwarn):
    from tcpkit.plot import fig_to_png, new_figure
    from tcpkit.plot.syncookie import plot_cookie
    from tcpkit.syncookie import cookie_handshake

    fig = new_figure(8, 3)
    plot_cookie(cookie_handshake("192.0.2.1", "198.51.100.7", 40000, 80, 1000, 1460, minute=71577, ack=ack), fig=fig)
    png = fig_to_png(fig)
    assert _size(png) == (640, 240)
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert ("接受" in texts) == (ack == "honest")
    assert not [w for w in recwarn.list if issubclass(w.category, UserWarning)]


@pytest.mark.parametrize("cookies", [0, 1, 2])
def test_plot_synflood_draws_both_runs(cookies, recwarn):
    from tcpkit.plot import fig_to_png, new_figure
    from tcpkit.plot.syncookie import plot_synflood

    runs = compare_syncookies(attack_rate=5000.0, duration=20.0, attack_start=5.0, syncookies=cookies)
    fig = new_figure(8, 5)
    plot_synflood(runs, fig=fig)
    assert len(fig.axes) == 2 and len(fig.axes[1].lines) == 2
    labels = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert any(f"syncookies={cookies}" in t for t in labels) and any(f"syncookies={1 if cookies == 0 else 0}" in t
                                                                      for t in labels)
    assert fig_to_png(fig)[:4] == b"\x89PNG"
    assert not [w for w in recwarn.list if issubclass(w.category, UserWarning)]
