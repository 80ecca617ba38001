"""The shipped Linux recording, and the recorder itself against the running kernel."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tcpkit.congestion import Phase, simulate
from tcpkit.congestion.linux_trace import CA_STATES, cwnd_stats, load_linux_trace

ROOT = Path(__file__).resolve().parent.parent


def _cuts(series, *, after_s: float = 0.5):
    """(cwnd just before, ssthresh just after) for every entry into TCP_CA_Recovery after ``after_s``."""
    out = []
    for i in range(1, len(series.cwnd)):
        if series.ca_state[i] == 3 and series.ca_state[i - 1] != 3 and series.time[i] > after_s:
            before = max(series.cwnd[max(0, i - 3):i])
            out.append((before, series.ssthresh[i]))
    return out


def test_shipped_trace_has_three_algorithms() -> None:
    tr = load_linux_trace()
    assert set(tr.series) == {"reno", "cubic", "bbr"}
    assert tr.rate_mbit == 20.0 and tr.buffer_pkts == 60
    for s in tr.series.values():
        assert len(s.time) > 300 and all(b >= a for a, b in zip(s.time, s.time[1:]))
        assert set(s.ca_state) <= set(CA_STATES)


def test_linux_reno_halves_from_cwnd() -> None:
    """tcp_cong.c tcp_reno_ssthresh: max(cwnd >> 1, 2) — from cwnd sampled just before the cut."""
    cuts = _cuts(load_linux_trace().series["reno"])
    assert len(cuts) >= 4
    for before, ss in cuts:
        assert before // 2 - 2 <= ss <= before // 2 + 1, (before, ss)  # cwnd may grow by 1 after the sample


def test_linux_cubic_reduces_by_717_over_1024() -> None:
    cuts = _cuts(load_linux_trace().series["cubic"])
    assert len(cuts) >= 4
    for before, ss in cuts:
        assert ss == pytest.approx(before * 717 / 1024, abs=3), (before, ss)


@pytest.mark.parametrize("name", ["reno", "cubic"])
def test_model_matches_linux_sawtooth(name: str) -> None:
    """Same path as the recording (tbf rate in payload terms, 60-packet pfifo, min RTT): sawtooth within 10–25 %."""
    tr = load_linux_trace()
    s = tr.series[name]
    real = cwnd_stats(s.time, s.cwnd)
    f = simulate(name, bandwidth_mbps=tr.payload_mbps, rtt_ms=max(min(s.rtt_ms), 0.01), buffer_pkts=tr.buffer_pkts,
                 mss=s.mss, duration_s=8, sack=True).flows[0]
    pts = [(t, w) for t, w, p in zip(f.time, f.cwnd, f.phase) if p != Phase.FAST_RECOVERY]
    sim = cwnd_stats([t for t, _ in pts], [w for _, w in pts])
    assert sim.median_cwnd == pytest.approx(real.median_cwnd, rel=0.1)
    assert sim.period_s == pytest.approx(real.period_s, rel=0.25)
    assert sim.mean_peak == pytest.approx(real.mean_peak, rel=0.1)


def _load_recorder():
    spec = importlib.util.spec_from_file_location("record_linux_cwnd", ROOT / "tools" / "record_linux_cwnd.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.kernel
def test_recorder_runs_and_reno_cuts_its_window(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.fail("the kernel test needs root (ip netns); CI runs it as root")
    rec = _load_recorder()
    out = tmp_path / "trace.csv"
    before = set(subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split())
    rec.record(algorithms=["reno"], seconds=4.0, rate_mbit=20.0, buffer_pkts=40, interval_ms=10.0, out=out)
    after = set(subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split())
    assert not {n for n in after - before if n.startswith("tcpkit-congestion-")}, "namespaces left behind"
    s = load_linux_trace(out.read_text()).series["reno"]
    st = cwnd_stats(s.time, s.cwnd, skip_s=0.5)
    assert st.cuts >= 2, "reno's cwnd never dropped on loss"
    assert any(x is not None for x in s.ssthresh) and max(s.total_retrans) > 0
    assert st.mean_peak is not None and st.mean_peak <= 40 + 10  # the window is bounded by the 40-packet buffer


def test_recorder_refuses_without_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    rec = _load_recorder()
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(SystemExit, match="needs root"):
        rec.record(algorithms=["reno"], seconds=1, rate_mbit=10, buffer_pkts=10, interval_ms=10, out=tmp_path / "x")
    assert sys.executable
