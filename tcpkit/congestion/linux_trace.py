"""The real Linux cwnd recording shipped with tcpkit, and sawtooth statistics for any trace.

>>> sorted(load_linux_trace().series)
['bbr', 'cubic', 'reno']

``tcpkit/data/linux_cwnd_trace.csv`` was written by ``tools/record_linux_cwnd.py``:
one bulk TCP flow per algorithm (Linux reno, cubic, bbr) through a tbf + pfifo
bottleneck in a private network namespace, ``TCP_INFO`` sampled every 10 ms.
Its ``#`` header lines say the kernel, the rate and the buffer. Reading a data
file that ships inside the package is the only I/O here.
"""

from __future__ import annotations

import csv
import io
import re
import statistics
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from .._validate import check_float

__all__ = ["LinuxSeries", "LinuxTrace", "load_linux_trace", "cwnd_stats", "CwndStats", "CA_STATES"]

#: ``tcpi_ca_state`` values (include/net/tcp.h ``enum tcp_ca_state``).
CA_STATES = {0: "Open", 1: "Disorder", 2: "CWR", 3: "Recovery", 4: "Loss"}
_INFINITE = 0x7FFFFFFF


@dataclass(frozen=True)
class LinuxSeries:
    """One algorithm's samples: times in s, windows in packets, RTT in ms, rate in Mbit/s.

    ``ssthresh`` is ``None`` where Linux still reports ``TCP_INFINITE_SSTHRESH``.
    """

    algorithm: str
    time: tuple[float, ...]
    cwnd: tuple[int, ...]
    ssthresh: tuple[int | None, ...]
    rtt_ms: tuple[float, ...]
    delivery_rate_mbps: tuple[float, ...]
    ca_state: tuple[int, ...]
    total_retrans: tuple[int, ...]
    mss: int


@dataclass(frozen=True)
class LinuxTrace:
    """The whole recording: header lines, path parameters, one series per algorithm."""

    header: tuple[str, ...]  # the CSV's comment lines, "# " removed
    kernel: str  # kernel release of the recording machine
    rate_mbit: float  # tbf rate of the router egress, Mbit/s (whole Ethernet frames)
    buffer_pkts: int  # pfifo limit behind the tbf, packets
    series: dict[str, LinuxSeries]  # algorithm name → its samples

    @property
    def payload_mbps(self) -> float:
        """tbf counts whole Ethernet frames: the TCP payload rate is rate·MSS/(MSS + 66)."""
        mss = next(iter(self.series.values())).mss
        return self.rate_mbit * mss / (mss + 66)


def load_linux_trace(text: str | None = None) -> LinuxTrace:
    """Parse the shipped recording (or ``text`` in the same CSV format).

    Returns
    -------
    LinuxTrace

    Raises
    ------
    ValueError
        If the CSV lacks its header lines or columns.

    Examples
    --------
    >>> tr = load_linux_trace()
    >>> tr.rate_mbit, tr.buffer_pkts, tr.series["reno"].mss
    (20.0, 60, 1448)
    """
    if text is None:
        text = (files("tcpkit") / "data" / "linux_cwnd_trace.csv").read_text(encoding="utf-8")
    header = tuple(ln for ln in text.splitlines() if ln.startswith("#"))
    m_kernel = re.search(r"on Linux (\S+)", " ".join(header))
    m_path = re.search(r"tbf rate ([0-9.]+) Mbit/s -> pfifo limit (\d+) packets", " ".join(header))
    if not (m_kernel and m_path):
        raise ValueError("text must start with the '#' header lines written by tools/record_linux_cwnd.py")
    rows = list(csv.DictReader(io.StringIO("\n".join(ln for ln in text.splitlines() if not ln.startswith("#")))))
    cols: dict[str, dict[str, list[Any]]] = {}
    for r in rows:
        c = cols.setdefault(r["algorithm"], {k: [] for k in ("t", "w", "s", "rtt", "rate", "ca", "rx", "mss")})
        c["t"].append(float(r["time_s"]))
        c["w"].append(int(r["cwnd"]))
        ss = int(r["ssthresh"])
        c["s"].append(None if ss >= _INFINITE else ss)
        c["rtt"].append(int(r["rtt_us"]) / 1000)
        c["rate"].append(float(r["delivery_rate_mbps"]))
        c["ca"].append(int(r["ca_state"]))
        c["rx"].append(int(r["total_retrans"]))
        c["mss"].append(int(r["mss"]))
    series = {
        a: LinuxSeries(a, tuple(c["t"]), tuple(c["w"]), tuple(c["s"]), tuple(c["rtt"]), tuple(c["rate"]),
                       tuple(c["ca"]), tuple(c["rx"]), statistics.mode(c["mss"]))
        for a, c in cols.items()
    }
    return LinuxTrace(header, m_kernel.group(1), float(m_path.group(1)), int(m_path.group(2)), series)


@dataclass(frozen=True)
class CwndStats:
    """Median cwnd (segments), sawtooth period (s), number of window cuts, mean peak and trough."""

    median_cwnd: float
    period_s: float | None
    cuts: int
    mean_peak: float | None
    mean_trough: float | None


def cwnd_stats(time: object, cwnd: object, *, skip_s: float = 1.0, drop: float = 0.2) -> CwndStats:
    """Sawtooth statistics of a cwnd time series (works on model and Linux traces alike).

    Parameters
    ----------
    time, cwnd : sequence of float
        Sample times (s, non-decreasing) and windows (segments).
    skip_s : float
        Ignore the first ``skip_s`` seconds (slow start), in [0, 1e6].
    drop : float
        A *cut* is a fall of more than this fraction below the running peak, in (0, 1).

    Returns
    -------
    CwndStats
        ``period_s`` is the mean time between successive cuts (None with < 2 cuts).

    Examples
    --------
    >>> t = [i * 0.1 for i in range(100)]
    >>> w = [20 + (i % 20) for i in range(100)]   # a sawtooth of period 2 s
    >>> s = cwnd_stats(t, w, skip_s=0)
    >>> s.cuts, round(s.period_s, 3), s.mean_peak, s.mean_trough
    (4, 2.0, 39.0, 20.0)
    """
    skip_s = check_float("skip_s", skip_s, lo=0.0, hi=1e6)
    drop = check_float("drop", drop, lo=0.0, hi=1.0, lo_open=True, hi_open=True)
    pts = [(float(t), float(w)) for t, w in zip(time, cwnd) if float(t) >= skip_s]  # type: ignore[call-overload]
    if not pts:
        raise ValueError(f"skip_s must leave samples, got {skip_s:g} s with none after it")
    med = statistics.median(w for _, w in pts)
    cuts: list[float] = []
    peaks: list[float] = []
    troughs: list[float] = []
    peak = pts[0][1]
    trough: float | None = None
    falling = False
    for t, w in pts:
        if not falling and w < (1 - drop) * peak:
            cuts.append(t)
            peaks.append(peak)
            falling = True
            trough = w
        elif falling:
            if trough is not None and w <= trough:
                trough = w
            elif trough is not None and w > trough:
                troughs.append(trough)
                falling = False
                peak = w
        if not falling and w > peak:
            peak = w
    period = (cuts[-1] - cuts[0]) / (len(cuts) - 1) if len(cuts) >= 2 else None
    return CwndStats(
        med, period, len(cuts),
        statistics.fmean(peaks) if peaks else None,
        statistics.fmean(troughs) if troughs else None,
    )
