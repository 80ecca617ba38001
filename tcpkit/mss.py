"""MSS arithmetic, and what a lost packet costs: TCP segmentation by MSS versus IP fragmentation.

>>> mss_for_mtu(1500).mss, mss_for_mtu(1500, timestamps=True).payload, mss_for_mtu(1500, ip_version=6).mss
(1460, 1448, 1440)

A message of ``message`` bytes can reach the peer in two ways:

* **segmented** — TCP cuts it into segments of at most one MSS, each fitting
  in one IP packet (what TCP really does, with DF set and Path MTU Discovery,
  RFC 1191 / RFC 8201). A lost packet costs one segment.
* **fragmented** — one large TCP segment in one IP datagram that IP splits
  into fragments (what would happen without MSS). The receiver's IP layer
  can only deliver the segment when *every* fragment arrived (RFC 791 /
  RFC 8200 §4.5), so a lost fragment costs the whole segment: TCP
  retransmits all of it and IP fragments it again.

:func:`compare` gives exact expected values for independent per-packet
loss; :func:`monte_carlo` checks them by seeded simulation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ._validate import check_bool, check_choice, check_float, check_int

__all__ = [
    "IPV4_HEADER",
    "IPV6_HEADER",
    "IPV6_FRAGMENT_HEADER",
    "TCP_HEADER",
    "TIMESTAMP_OPTION",
    "LINKS",
    "MssInfo",
    "StrategyResult",
    "Comparison",
    "mss_for_mtu",
    "mss_table",
    "max_message",
    "segment_sizes",
    "fragment_sizes",
    "compare",
    "monte_carlo",
]

#: IPv4 header without options (RFC 791).
IPV4_HEADER = 20
#: IPv6 fixed header (RFC 8200 §3).
IPV6_HEADER = 40
#: IPv6 Fragment extension header (RFC 8200 §4.5).
IPV6_FRAGMENT_HEADER = 8
#: TCP header without options (RFC 9293 §3.1).
TCP_HEADER = 20
#: Timestamps option as Linux sends it: 10 bytes + 2 NOPs (``TCPOLEN_TSTAMP_ALIGNED``, RFC 7323 §3).
TIMESTAMP_OPTION = 12

#: Common links: (name, MTU in bytes).
LINKS: tuple[tuple[str, int], ...] = (
    ("以太网 (RFC 894)", 1500),
    ("PPPoE", 1492),
    ("巨型帧 (jumbo)", 9000),
    ("Linux 回环 lo", 65536),
    ("IPv6 最小 MTU (RFC 8200 §5)", 1280),
    ("IPv4 最小重组长度 (RFC 791)", 576),
)


def _ip_header(ip_version: int) -> int:
    return IPV4_HEADER if ip_version == 4 else IPV6_HEADER


def _check_common(mtu: int, ip_version: int, timestamps: bool) -> tuple[int, int, bool]:
    v = check_choice("ip_version", ip_version, (4, 6))
    m = check_int("mtu", mtu, lo=576 if v == 4 else 1280, hi=65536)
    ts = check_bool("timestamps", timestamps)
    return m, v, ts


@dataclass(frozen=True, slots=True)
class MssInfo:
    """How an MTU splits into headers and payload.

    Attributes
    ----------
    mtu : int
        Link MTU in bytes (the largest IP packet).
    ip_version : int
        4 or 6.
    ip_header, tcp_header, options : int
        Header bytes: IP, fixed TCP header, TCP options in every segment.
    mss : int
        The MSS a host announces in its SYN: MTU − IP header − 20
        (RFC 9293 §3.7.1, RFC 6691: options are *not* subtracted).
    payload : int
        Data bytes in a full-sized segment: ``mss − options``.
    """

    mtu: int
    ip_version: int
    ip_header: int
    tcp_header: int
    options: int
    mss: int
    payload: int


def mss_for_mtu(mtu: int, *, ip_version: int = 4, timestamps: bool = False) -> MssInfo:
    """The MSS for a link MTU, and the payload of a full segment.

    Parameters
    ----------
    mtu : int
        Link MTU in bytes: [576, 65536] for IPv4, [1280, 65536] for IPv6.
    ip_version : {4, 6}
        IP version (IPv4 header 20 bytes, IPv6 40 bytes).
    timestamps : bool
        Whether every segment carries the 12-byte timestamps option
        (Linux default ``tcp_timestamps=1``).

    Returns
    -------
    MssInfo

    Raises
    ------
    ValueError
        If ``ip_version`` is not 4 or 6, or ``mtu`` not in [576, 65536] (IPv4) /
        [1280, 65536] (IPv6).
    TypeError
        If ``mtu`` is not an integer or ``timestamps`` not a bool.

    Notes
    -----
    RFC 9293 §3.7.1 and RFC 6691: the MSS option announces the largest
    segment *payload* the host can receive, computed from its MTU minus the
    fixed IP and TCP headers; a sender subtracts its own option bytes from
    it. Each side announces its own value; nothing is negotiated. Linux's
    loopback MTU 65536 gives 65495 (seen in real SYNs), capped by the 16-bit
    IP length.

    Examples
    --------
    >>> mss_for_mtu(1492).mss                 # PPPoE
    1452
    >>> mss_for_mtu(65536).mss                # Linux loopback
    65495
    """
    m, v, ts = _check_common(mtu, ip_version, timestamps)
    iph = _ip_header(v)
    mss = min(m, 65535) - iph - TCP_HEADER if v == 4 else min(m - iph, 65535) - TCP_HEADER
    opts = TIMESTAMP_OPTION if ts else 0
    return MssInfo(m, v, iph, TCP_HEADER, opts, mss, mss - opts)


def mss_table(links: tuple[tuple[str, int], ...] = LINKS) -> list[tuple[str, int, int | None, int | None, int | None]]:
    """Rows (link, MTU, IPv4 MSS, IPv4 payload with timestamps, IPv6 MSS); None where not applicable.

    Examples
    --------
    >>> mss_table()[0]
    ('以太网 (RFC 894)', 1500, 1460, 1448, 1440)
    """
    rows = []
    for name, mtu in links:
        v4 = mss_for_mtu(mtu) if mtu >= 576 else None
        v4ts = mss_for_mtu(mtu, timestamps=True) if mtu >= 576 else None
        v6 = mss_for_mtu(mtu, ip_version=6) if mtu >= 1280 else None
        rows.append((name, mtu, v4.mss if v4 else None, v4ts.payload if v4ts else None, v6.mss if v6 else None))
    return rows


def max_message(*, ip_version: int = 4, timestamps: bool = False) -> int:
    """Largest message that fits in *one* TCP segment in one IP datagram (16-bit length fields).

    Examples
    --------
    >>> max_message(), max_message(ip_version=6)
    (65495, 65515)
    """
    v = check_choice("ip_version", ip_version, (4, 6))
    opts = TIMESTAMP_OPTION if check_bool("timestamps", timestamps) else 0
    # IPv4 Total Length counts the IP header; IPv6 Payload Length does not.
    return 65535 - (IPV4_HEADER if v == 4 else 0) - TCP_HEADER - opts


def _check_message(message: object, ip_version: int, timestamps: bool) -> int:
    return check_int("message", message, lo=1, hi=max_message(ip_version=ip_version, timestamps=timestamps))


def segment_sizes(message: int, *, mtu: int = 1500, ip_version: int = 4, timestamps: bool = False) -> tuple[int, ...]:
    """Wire sizes (IP packet bytes) of the segments TCP makes for ``message`` bytes.

    Examples
    --------
    >>> segment_sizes(3000)
    (1500, 1500, 120)
    """
    info = mss_for_mtu(mtu, ip_version=ip_version, timestamps=timestamps)
    n = _check_message(message, info.ip_version, timestamps)
    hdr = info.ip_header + info.tcp_header + info.options
    full, rest = divmod(n, info.payload)
    return (info.payload + hdr,) * full + ((rest + hdr,) if rest else ())


def fragment_sizes(message: int, *, mtu: int = 1500, ip_version: int = 4, timestamps: bool = False) -> tuple[int, ...]:
    """Wire sizes of the IP fragments of *one* TCP segment carrying ``message`` bytes.

    Notes
    -----
    Every fragment but the last carries a multiple of 8 bytes of the
    original payload (the Fragment Offset counts 8-byte units; RFC 791,
    RFC 8200 §4.5). IPv4 fragments repeat the 20-byte header; IPv6
    fragments carry the 40-byte header plus an 8-byte Fragment header.

    Examples
    --------
    >>> fragment_sizes(3000)          # 3020 bytes of TCP segment, 1480 per fragment
    (1500, 1500, 80)
    >>> fragment_sizes(1000)          # fits: no fragmentation
    (1040,)
    """
    m, v, ts = _check_common(mtu, ip_version, timestamps)
    n = _check_message(message, v, ts)
    seg = TCP_HEADER + (TIMESTAMP_OPTION if ts else 0) + n
    iph = _ip_header(v)
    if seg + iph <= m:
        return (seg + iph,)
    per_hdr = iph + (IPV6_FRAGMENT_HEADER if v == 6 else 0)
    chunk = (m - per_hdr) // 8 * 8
    full, rest = divmod(seg, chunk)
    return (chunk + per_hdr,) * full + ((rest + per_hdr,) if rest else ())


@dataclass(frozen=True, slots=True)
class StrategyResult:
    """Cost of delivering one message with one strategy.

    Attributes
    ----------
    name : str
        ``"segmented"`` (TCP by MSS) or ``"fragmented"`` (IP fragments).
    packets : int
        IP packets in the first transmission.
    wire_bytes : int
        IP bytes in the first transmission.
    p_resend : float
        Probability that at least one retransmission is needed.
    resent_packets : float
        Expected number of IP packets retransmitted.
    resent_bytes : float
        Expected number of IP bytes retransmitted.
    """

    name: str
    packets: int
    wire_bytes: int
    p_resend: float
    resent_packets: float
    resent_bytes: float

    @property
    def total_bytes(self) -> float:
        """Expected IP bytes sent in total (first transmission + retransmissions)."""
        return self.wire_bytes + self.resent_bytes


@dataclass(frozen=True, slots=True)
class Comparison:
    """Both strategies for one message (see :func:`compare` / :func:`monte_carlo`)."""

    message: int
    mtu: int
    loss: float
    ip_version: int
    timestamps: bool
    mss: int
    segmented: StrategyResult
    fragmented: StrategyResult
    trials: int = 0  # 0: exact expected values; > 0: Monte Carlo estimate


def _check_loss(loss: object) -> float:
    return check_float("loss", loss, lo=0.0, hi=0.5)


def compare(
    message: int, *, mtu: int = 1500, loss: float = 0.01, ip_version: int = 4, timestamps: bool = False
) -> Comparison:
    """Exact expected retransmission cost of segmentation by MSS versus IP fragmentation.

    Parameters
    ----------
    message : int
        Application bytes to deliver, in [1, :func:`max_message`] (65495 for
        IPv4 without options — the most one IP datagram can carry).
    mtu : int
        Path MTU in bytes ([576, 65536] IPv4, [1280, 65536] IPv6).
    loss : float
        Independent loss probability of each IP packet (also of each
        retransmission), in [0, 0.5].
    ip_version : {4, 6}
    timestamps : bool
        Whether segments carry the 12-byte timestamps option.

    Returns
    -------
    Comparison
        ``segmented`` and ``fragmented`` :class:`StrategyResult`.

    Raises
    ------
    ValueError
        If ``loss`` is not in [0, 0.5], or ``message``, ``mtu`` or ``ip_version``
        is out of the range given above (checked as in :func:`mss_for_mtu`).
    TypeError
        If ``message`` or ``mtu`` is not an integer, ``loss`` not a number or
        ``timestamps`` not a bool.

    Notes
    -----
    Losses are independent Bernoulli(p) per packet; ACKs are never lost.

    * Segmented, n packets of sizes wᵢ: each segment needs a geometric
      number of transmissions, so E[retransmissions] = p/(1−p) per segment:
      ``resent_packets = n·p/(1−p)``, ``resent_bytes = Σwᵢ·p/(1−p)``,
      ``p_resend = 1 − (1−p)ⁿ``.
    * Fragmented, k fragments of total size W: one attempt succeeds with
      q = (1−p)ᵏ (the IP layer discards a partial datagram after its
      reassembly timeout — Linux ``ipfrag_time``), every failed attempt
      re-sends all k fragments: ``resent_packets = k·(1−q)/q``,
      ``resent_bytes = W·(1−q)/q``, ``p_resend = 1 − q``.

    Examples
    --------
    >>> c = compare(14600, loss=0.01)
    >>> c.segmented.packets, c.fragmented.packets
    (10, 10)
    >>> round(c.segmented.resent_bytes), round(c.fragmented.resent_bytes)
    (152, 1567)
    """
    p = _check_loss(loss)
    segs = segment_sizes(message, mtu=mtu, ip_version=ip_version, timestamps=timestamps)
    frags = fragment_sizes(message, mtu=mtu, ip_version=ip_version, timestamps=timestamps)
    info = mss_for_mtu(mtu, ip_version=ip_version, timestamps=timestamps)
    r = p / (1 - p)
    seg = StrategyResult("segmented", len(segs), sum(segs), 1 - (1 - p) ** len(segs), len(segs) * r, sum(segs) * r)
    q = (1 - p) ** len(frags)
    f = (1 - q) / q
    frag = StrategyResult("fragmented", len(frags), sum(frags), 1 - q, len(frags) * f, sum(frags) * f)
    return Comparison(int(message), info.mtu, p, info.ip_version, bool(timestamps), info.mss, seg, frag)


def monte_carlo(message: int, *, mtu: int = 1500, loss: float = 0.01, ip_version: int = 4, timestamps: bool = False,
                trials: int = 10_000, seed: int = 0) -> Comparison:
    """Seeded simulation of the same two strategies; averages estimate :func:`compare`'s values.

    Parameters
    ----------
    message, mtu, loss, ip_version, timestamps
        As for :func:`compare`.
    trials : int
        Messages delivered per strategy, in [1, 1000000].
    seed : int
        In [0, 2**32 − 1]; seeds a private :class:`random.Random`, so a given
        seed always gives the same estimate.

    Returns
    -------
    Comparison
        With ``trials`` set; ``p_resend`` is the fraction of messages that
        needed a retransmission.

    Examples
    --------
    >>> mc = monte_carlo(14600, loss=0.01, trials=2000, seed=1)
    >>> mc.trials, mc.segmented.packets
    (2000, 10)
    """
    p = _check_loss(loss)
    n_trials = check_int("trials", trials, lo=1, hi=1_000_000)
    rng = random.Random(check_int("seed", seed, lo=0, hi=2**32 - 1))
    segs = segment_sizes(message, mtu=mtu, ip_version=ip_version, timestamps=timestamps)
    frags = fragment_sizes(message, mtu=mtu, ip_version=ip_version, timestamps=timestamps)
    info = mss_for_mtu(mtu, ip_version=ip_version, timestamps=timestamps)
    rnd = rng.random

    s_pk = s_by = s_any = 0
    for _ in range(n_trials):
        any_re = False
        for w in segs:
            while rnd() < p:  # this transmission lost: retransmit the segment
                s_pk += 1
                s_by += w
                any_re = True
        s_any += any_re
    f_pk = f_by = f_any = 0
    wf, kf = sum(frags), len(frags)
    for _ in range(n_trials):
        attempts = 0
        while True:
            lost = False
            for _k in range(kf):
                if rnd() < p:
                    lost = True
            if not lost:
                break
            attempts += 1
        f_pk += attempts * kf
        f_by += attempts * wf
        f_any += attempts > 0
    t = n_trials
    seg = StrategyResult("segmented", len(segs), sum(segs), s_any / t, s_pk / t, s_by / t)
    frag = StrategyResult("fragmented", kf, wf, f_any / t, f_pk / t, f_by / t)
    return Comparison(int(message), info.mtu, p, info.ip_version, bool(timestamps), info.mss, seg, frag, n_trials)
