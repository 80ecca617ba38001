"""Small QUIC models: head-of-line blocking, unambiguous RTT samples, flow-control credit, migration.

>>> r = hol_compare(n_streams=3, packets_per_stream=2, lost=0); r.blocked_time("tcp") > r.blocked_time("quic")
True

Each function is a pure model of one idea of RFC 9000 / RFC 9002, with the
RFC's constants:

* :func:`hol_compare` — N streams multiplexed over **one TCP byte stream** vs
  over **QUIC streams**, one packet lost. Both transports detect the loss and
  repair it at the same moment (RFC 9002 §6.1 rules: packet threshold 3, time
  threshold 9/8·RTT, else a PTO), so the only difference left is *delivery*:
  TCP hands bytes to the application strictly in byte order, QUIC in order
  *per stream* (RFC 9000 §2.2).
* :func:`rtt_ambiguity` — why QUIC never reuses a packet number (RFC 9000
  §12.3, RFC 9002 §4.2) while TCP needs Karn's rule (RFC 6298 §3).
* :func:`flow_credit` — stream- and connection-level credit (MAX_STREAM_DATA,
  MAX_DATA, the BLOCKED frames; RFC 9000 §4.1).
* :func:`migrate` — connection migration to a new client address: path
  validation and the 3× anti-amplification limit (RFC 9000 §8–9).
"""

from __future__ import annotations

from dataclasses import dataclass

from ._validate import check_bool, check_choice, check_float, check_int

__all__ = [
    "K_PACKET_THRESHOLD",
    "K_TIME_THRESHOLD",
    "K_GRANULARITY",
    "K_INITIAL_RTT",
    "MAX_ACK_DELAY",
    "AMPLIFICATION_FACTOR",
    "MIN_DATAGRAM",
    "RttEstimator",
    "QuicPacket",
    "HolResult",
    "hol_compare",
    "RttAmbiguity",
    "rtt_ambiguity",
    "FlowTrace",
    "flow_credit",
    "MigrationStep",
    "MigrationResult",
    "migrate",
]

#: RFC 9002 §6.1.1: a packet is lost once a packet sent this many packets later is acknowledged.
K_PACKET_THRESHOLD = 3
#: RFC 9002 §6.1.2: … or once it is older than 9/8 × max(smoothed_rtt, latest_rtt).
K_TIME_THRESHOLD = 9 / 8
#: RFC 9002 §6.1.2: timer granularity, 1 ms.
K_GRANULARITY = 0.001
#: RFC 9002 §6.2.2: RTT assumed before the first sample, 333 ms (so the first PTO is about 1 s).
K_INITIAL_RTT = 0.333
#: RFC 9000 §18.2: default max_ack_delay transport parameter, 25 ms.
MAX_ACK_DELAY = 0.025
#: RFC 9000 §8.1 and §9.3: before validating an address, send at most 3× the bytes received from it.
AMPLIFICATION_FACTOR = 3
#: RFC 9000 §8.2.1, §14.1: datagrams with Initial / PATH_CHALLENGE / PATH_RESPONSE are padded to 1200 bytes.
MIN_DATAGRAM = 1200


class RttEstimator:
    """The RFC 9002 §5 RTT estimator (min_rtt, smoothed_rtt, rttvar) and the §6.2.1 PTO.

    >>> e = RttEstimator(); round(e.pto(max_ack_delay=0.0), 3)   # before any sample
    0.999
    >>> e.update(0.1); e.smoothed_rtt, e.rttvar
    (0.1, 0.05)
    """

    def __init__(self) -> None:
        self.min_rtt: float | None = None
        self.latest_rtt = 0.0
        self.smoothed_rtt = K_INITIAL_RTT          # §5.3 / §6.2.2
        self.rttvar = K_INITIAL_RTT / 2
        self.samples = 0

    def update(self, latest: float, ack_delay: float = 0.0) -> None:
        """Take one RTT sample in seconds (RFC 9002 §5.3)."""
        self.latest_rtt = latest
        if self.samples == 0:
            self.min_rtt = latest
            self.smoothed_rtt = latest
            self.rttvar = latest / 2
        else:
            assert self.min_rtt is not None
            self.min_rtt = min(self.min_rtt, latest)
            adjusted = latest - ack_delay if latest >= self.min_rtt + ack_delay else latest
            self.rttvar = 3 / 4 * self.rttvar + 1 / 4 * abs(self.smoothed_rtt - adjusted)
            self.smoothed_rtt = 7 / 8 * self.smoothed_rtt + 1 / 8 * adjusted
        self.samples += 1

    def loss_delay(self) -> float:
        """RFC 9002 §6.1.2: max(kTimeThreshold · max(smoothed_rtt, latest_rtt), kGranularity)."""
        return max(K_TIME_THRESHOLD * max(self.smoothed_rtt, self.latest_rtt), K_GRANULARITY)

    def pto(self, max_ack_delay: float = MAX_ACK_DELAY) -> float:
        """RFC 9002 §6.2.1: smoothed_rtt + max(4·rttvar, kGranularity) + max_ack_delay."""
        return self.smoothed_rtt + max(4 * self.rttvar, K_GRANULARITY) + max_ack_delay


# --------------------------------------------------------------------------------------------
# head-of-line blocking


@dataclass(frozen=True, slots=True)
class QuicPacket:
    """One packet of the HOL scenario: which stream chunk it carries and when it arrives."""

    number: int              # QUIC packet number (TCP: the segment index, i.e. the sequence position)
    stream: int
    chunk: int               # index of this chunk within its stream
    sent: float              # s
    arrives: float           # s (inf if lost)
    lost: bool
    retransmits: int = -1    # for the repair packet: the number of the packet it replaces


@dataclass(frozen=True, slots=True)
class HolResult:
    """What :func:`hol_compare` returns.

    ``arrival[s][c]`` is when chunk ``c`` of stream ``s`` reached the receiver;
    ``tcp_ready`` / ``quic_ready`` are when the application could *read* it.
    The difference is time spent waiting in the receive buffer (head-of-line
    blocking).
    """

    n_streams: int
    packets_per_stream: int
    lost: int | None
    rtt: float
    tx_time: float
    packets: tuple[QuicPacket, ...]
    detect_time: float | None
    detect_rule: str
    arrival: tuple[tuple[float, ...], ...]
    tcp_ready: tuple[tuple[float, ...], ...]
    quic_ready: tuple[tuple[float, ...], ...]

    @property
    def tcp_done(self) -> float:
        """When the last stream is complete over TCP (s)."""
        return max(max(s) for s in self.tcp_ready)

    @property
    def quic_done(self) -> float:
        """When the last stream is complete over QUIC (s)."""
        return max(max(s) for s in self.quic_ready)

    def ready(self, transport: str) -> tuple[tuple[float, ...], ...]:
        """:attr:`tcp_ready` or :attr:`quic_ready`; ``transport`` must be ``"tcp"`` or ``"quic"`` (else ValueError)."""
        return self.tcp_ready if check_choice("transport", transport, ("tcp", "quic")) == "tcp" else self.quic_ready

    def stream_done(self, transport: str) -> tuple[float, ...]:
        """Completion time of every stream over ``"tcp"`` or ``"quic"``."""
        return tuple(max(s) for s in self.ready(transport))

    def blocked_time(self, transport: str) -> float:
        """Total time chunks spent received but unreadable (s), summed over chunks (``"tcp"`` or ``"quic"``)."""
        return sum(r - a for rs, as_ in zip(self.ready(transport), self.arrival) for r, a in zip(rs, as_))


def hol_compare(*, n_streams: int = 3, packets_per_stream: int = 4, lost: int | None = 1, rtt: float = 0.1,
                tx_time: float = 0.005, max_ack_delay: float = MAX_ACK_DELAY) -> HolResult:
    """Delivery times per stream over one TCP connection vs one QUIC connection, one packet lost.

    Parameters
    ----------
    n_streams : int
        Streams multiplexed on the connection, in [1, 16].
    packets_per_stream : int
        Packets of data each stream sends, in [1, 64]. Packets are scheduled
        round-robin: packet ``i`` carries chunk ``i // n_streams`` of stream
        ``i % n_streams``.
    lost : int or None
        Index of the one lost packet, in [0, n_streams·packets_per_stream − 1];
        None for no loss.
    rtt : float
        Round-trip propagation delay in seconds, in (0, 10].
    tx_time : float
        Transmission time of one packet in seconds, in (0, 1].
    max_ack_delay : float
        The peer's max_ack_delay in seconds (used in the PTO), in [0, 1].

    Returns
    -------
    HolResult

    Raises
    ------
    ValueError
        If ``n_streams`` is not in [1, 16], ``packets_per_stream`` not in [1, 64],
        ``lost`` not in [0, n_streams·packets_per_stream − 1], ``rtt`` not in
        (0, 10], ``tx_time`` not in (0, 1] or ``max_ack_delay`` not in [0, 1].
    TypeError
        If a count is not an integer or a time not a number.

    Notes
    -----
    The receiver acknowledges every packet at once; ACKs are RTT samples
    (RFC 9002 §5). The lost packet is declared lost by RFC 9002 §6.1: when
    the packet ``kPacketThreshold`` (3) later is acknowledged, or when it is
    ``9/8 × max(smoothed_rtt, latest_rtt)`` old and a later packet has been
    acknowledged, whichever comes first; if no later packet exists, the probe
    timeout (§6.2.1) fires instead. Its data is then re-sent at once — by QUIC
    in a packet with a **new** number (RFC 9000 §13.3), by TCP with the same
    sequence numbers. TCP delivers the byte stream in order (RFC 9293 §3.10.7.4),
    so every byte behind the hole waits; QUIC delivers each stream in order
    by offset, so only the stream whose frame was lost waits (RFC 9000 §2.2).

    Examples
    --------
    >>> r = hol_compare(n_streams=3, packets_per_stream=2, lost=0, rtt=0.1, tx_time=0.01)
    >>> r.detect_rule, round(r.detect_time, 5)          # 9/8 × 0.11 s after packet 0 was sent
    ('time threshold', 0.12375)
    >>> [round(t, 5) for t in r.stream_done("quic")]   # only stream 0 waits for the repair
    [0.18375, 0.1, 0.11]
    >>> [round(t, 5) for t in r.stream_done("tcp")]    # every stream waits
    [0.18375, 0.18375, 0.18375]
    """
    ns = check_int("n_streams", n_streams, lo=1, hi=16)
    pps = check_int("packets_per_stream", packets_per_stream, lo=1, hi=64)
    total = ns * pps
    if lost is not None:
        lost = check_int("lost", lost, lo=0, hi=total - 1)
    rtt = check_float("rtt", rtt, lo=0.0, hi=10.0, lo_open=True)
    T = check_float("tx_time", tx_time, lo=0.0, hi=1.0, lo_open=True)
    mad = check_float("max_ack_delay", max_ack_delay, lo=0.0, hi=1.0)

    sent = [i * T for i in range(total)]
    arrive = [s + T + rtt / 2 for s in sent]
    ack_at = [s + T + rtt for s in sent]
    detect: float | None = None
    rule = "no loss"
    if lost is not None:
        detect, rule = _detect_loss(sent, ack_at, lost, mad)
        arrive[lost] = max(detect, total * T) + T + rtt / 2     # the repair leaves once the link is free
    packets = _hol_packets(sent, arrive, lost, ns, tx_time=T, rtt=rtt)
    arrival, tcp, quic = _ready_times(arrive, ns, pps)
    return HolResult(
        n_streams=ns,
        packets_per_stream=pps,
        lost=lost,
        rtt=rtt,
        tx_time=T,
        packets=packets,
        detect_time=detect,
        detect_rule=rule,
        arrival=arrival,
        tcp_ready=tcp,
        quic_ready=quic,
    )


def _detect_loss(sent: list[float], ack_at: list[float], lost: int, max_ack_delay: float) -> tuple[float, str]:
    """When and by which RFC 9002 §6.1 rule the sender declares packet ``lost`` lost.

    ACKs are processed in arrival order; each is an RTT sample (§5). Once a
    later packet is acknowledged, the packet threshold (§6.1.1) or the time
    threshold (§6.1.2) decides, whichever comes first.
    """
    est = RttEstimator()
    largest = -1
    pending: float | None = None             # time-threshold deadline armed by an ACK above the hole
    for j in sorted(range(len(sent)), key=lambda j: ack_at[j]):
        if j == lost:
            continue
        t = ack_at[j]
        if pending is not None and pending <= t:
            return pending, "time threshold"
        est.update(t - sent[j])
        largest = max(largest, j)
        if largest > lost:
            if largest - lost >= K_PACKET_THRESHOLD:
                return t, "packet threshold"
            deadline = sent[lost] + est.loss_delay()
            if t >= deadline:
                return t, "time threshold"
            pending = deadline
    if pending is not None:
        return pending, "time threshold"
    return _tail_loss_pto(sent, ack_at, lost, max_ack_delay), "PTO"


def _tail_loss_pto(sent: list[float], ack_at: list[float], lost: int, max_ack_delay: float) -> float:
    """Nothing after the lost packet is acknowledged: the probe timeout (RFC 9002 §6.2.1) fires.

    The PTO runs from the last packet sent, with the RTT samples of the ACKs
    that arrived before it expires.
    """
    est = RttEstimator()
    last = sent[-1]
    for j in range(len(sent)):
        if j != lost and ack_at[j] <= last + est.pto(max_ack_delay):
            est.update(ack_at[j] - sent[j])
    return last + est.pto(max_ack_delay)


def _hol_packets(sent: list[float], arrive: list[float], lost: int | None, ns: int, *,
                 tx_time: float, rtt: float) -> tuple[QuicPacket, ...]:
    """The packets in sending order (round-robin over streams), then the repair of the lost one."""
    packets = [QuicPacket(i, i % ns, i // ns, sent[i], float("inf") if i == lost else arrive[i], i == lost)
               for i in range(len(sent))]
    if lost is not None:
        repair_sent = arrive[lost] - tx_time - rtt / 2
        packets.append(QuicPacket(len(sent), lost % ns, lost // ns, repair_sent, arrive[lost], False, lost))
    return tuple(packets)


_Grid = tuple[tuple[float, ...], ...]


def _ready_times(arrive: list[float], ns: int, pps: int) -> tuple[_Grid, _Grid, _Grid]:
    """Per stream and chunk: when it arrived, when TCP can deliver it, when QUIC can.

    TCP delivers in byte order, so a chunk is readable once every earlier
    packet has arrived (a running maximum over all packets); QUIC delivers in
    order per stream (a running maximum over the stream's own chunks).
    """
    arrival = [[0.0] * pps for _ in range(ns)]
    tcp = [[0.0] * pps for _ in range(ns)]
    quic = [[0.0] * pps for _ in range(ns)]
    prefix = 0.0
    per_stream = [0.0] * ns
    for i, t in enumerate(arrive):
        s, c = i % ns, i // ns
        arrival[s][c] = t
        prefix = max(prefix, t)
        per_stream[s] = max(per_stream[s], t)
        tcp[s][c] = prefix
        quic[s][c] = per_stream[s]
    return tuple(map(tuple, arrival)), tuple(map(tuple, tcp)), tuple(map(tuple, quic))


# --------------------------------------------------------------------------------------------
# retransmission ambiguity


@dataclass(frozen=True, slots=True)
class RttAmbiguity:
    """One retransmission seen by TCP and by QUIC.

    ``tcp_candidates`` are the two RTT values a TCP sender could compute from
    the one ACK (measured from the original send and from the retransmission);
    ``true_rtt`` is the real one; ``quic_sample`` is what QUIC measures.
    """

    true_rtt: float
    ack_time: float
    tcp_candidates: tuple[float, float]
    quic_sample: float
    quic_acked_packet: int


def rtt_ambiguity(*, rtt: float = 0.1, rto: float = 0.3, original_lost: bool = True) -> RttAmbiguity:
    """Why TCP cannot time a retransmitted segment and QUIC can.

    Parameters
    ----------
    rtt : float
        Real round-trip time in seconds, in (0, 60].
    rto : float
        When the sender retransmits, in seconds after the first send, in (0, 60].
    original_lost : bool
        True: the original was lost and the ACK answers the retransmission.
        False: the original was only slow (``rtt > rto``, a spurious
        retransmission) and the ACK answers the original.

    Returns
    -------
    RttAmbiguity

    Raises
    ------
    ValueError
        If ``original_lost`` is False and ``rtt <= rto`` (then nothing is
        retransmitted), or a value is out of range.

    Notes
    -----
    A TCP retransmission carries the same sequence numbers, so the ACK does not
    say which copy it answers; Karn's rule (RFC 6298 §3) discards the sample.
    QUIC packet numbers are never reused (RFC 9000 §12.3); lost frames go into
    a new packet (§13.3), and the ACK frame names the packet number (§19.3), so
    every sample is unambiguous (RFC 9002 §4.2).

    Examples
    --------
    >>> a = rtt_ambiguity(rtt=0.1, rto=0.3)
    >>> a.tcp_candidates, a.quic_sample
    ((0.4, 0.1), 0.1)
    """
    rtt = check_float("rtt", rtt, lo=0.0, hi=60.0, lo_open=True)
    rto = check_float("rto", rto, lo=0.0, hi=60.0, lo_open=True)
    original_lost = check_bool("original_lost", original_lost)
    if original_lost:
        ack = rto + rtt
        return RttAmbiguity(rtt, ack, (round(ack, 12), round(ack - rto, 12)), round(ack - rto, 12), 1)
    if rtt <= rto:
        raise ValueError(f"rtt must be in ({rto:g}, 60] when original_lost is False (a spurious retransmission), "
                         f"got {rtt:g}")
    ack = rtt
    return RttAmbiguity(rtt, ack, (round(ack, 12), round(ack - rto, 12)), round(ack, 12), 0)


# --------------------------------------------------------------------------------------------
# flow control


@dataclass(frozen=True, slots=True)
class FlowTrace:
    """Per-round record of :func:`flow_credit` (one round = one RTT).

    ``sent[r][s]`` cumulative bytes of stream ``s`` sent by the end of round
    ``r``; ``limit[r][s]`` the stream's MAX_STREAM_DATA the sender knew in that
    round; ``consumed[r][s]`` bytes the receiving application has read;
    ``conn_limit[r]`` the MAX_DATA; ``frames`` lists
    ``(round, frame, stream, value)`` with frame one of ``MAX_STREAM_DATA``,
    ``MAX_DATA``, ``STREAM_DATA_BLOCKED``, ``DATA_BLOCKED`` (stream −1 for
    connection frames).
    """

    n_streams: int
    sent: tuple[tuple[int, ...], ...]
    limit: tuple[tuple[int, ...], ...]
    consumed: tuple[tuple[int, ...], ...]
    conn_sent: tuple[int, ...]
    conn_limit: tuple[int, ...]
    frames: tuple[tuple[int, str, int, int], ...]
    stream_bytes: tuple[int, ...]

    def finished(self, stream: int) -> int | None:
        """The round in which ``stream`` had sent all its bytes, or None."""
        for r, row in enumerate(self.sent):
            if row[stream] >= self.stream_bytes[stream]:
                return r
        return None


def flow_credit(*, stream_bytes: tuple[int, ...] = (200_000, 200_000, 200_000),
                read_rate: tuple[int, ...] = (10_000, 150_000, 40_000), initial_max_stream_data: int = 64_000,
                initial_max_data: int = 160_000, send_rate: int = 150_000, rounds: int = 12) -> FlowTrace:
    """Stream- and connection-level credit-based flow control, one round per RTT.

    Parameters
    ----------
    stream_bytes : tuple of int
        Bytes each stream wants to send, each in [0, 10**9]; 1 to 8 streams.
    read_rate : tuple of int
        Bytes per round the receiving application reads from each stream,
        each in [0, 10**9]; same length as ``stream_bytes``.
    initial_max_stream_data : int
        Per-stream credit window in bytes (transport parameter
        ``initial_max_stream_data_bidi_*``), in [1, 10**9].
    initial_max_data : int
        Connection credit window in bytes (``initial_max_data``), in [1, 10**9].
    send_rate : int
        What the path (congestion window) lets the sender send per round, in
        bytes, in [1, 10**9].
    rounds : int
        Rounds to simulate, in [1, 500].

    Returns
    -------
    FlowTrace

    Raises
    ------
    ValueError
        If there are not 1 to 8 streams, ``read_rate`` has another length than
        ``stream_bytes``, a byte count is outside [0, 10**9], a window or
        ``send_rate`` outside [1, 10**9], or ``rounds`` outside [1, 500].
    TypeError
        If ``stream_bytes`` or ``read_rate`` is not a tuple (or list) of integers.

    Notes
    -----
    RFC 9000 §4.1: a sender MUST NOT send beyond either limit; limits are
    absolute byte offsets (stream) or their sum (connection) and only grow (a
    smaller value is ignored); a blocked sender SHOULD send
    STREAM_DATA_BLOCKED / DATA_BLOCKED. §4.2: the receiver re-advertises
    credit as the application consumes data — here, like common stacks
    (quiche, aioquic), once less than half a window is left, it sends
    ``consumed + window``. Updates reach the sender in the next round. The
    path's capacity is shared equally among streams that can send.

    Examples
    --------
    >>> t = flow_credit(stream_bytes=(100_000,), read_rate=(0,), initial_max_stream_data=30_000,
    ...                 initial_max_data=1_000_000, rounds=3)
    >>> t.sent[-1][0], t.frames[0][1]
    (30000, 'STREAM_DATA_BLOCKED')
    """
    want, rates = _check_stream_sizes(stream_bytes, read_rate)
    win_s = check_int("initial_max_stream_data", initial_max_stream_data, lo=1, hi=10**9)
    win_c = check_int("initial_max_data", initial_max_data, lo=1, hi=10**9)
    cap = check_int("send_rate", send_rate, lo=1, hi=10**9)
    n_rounds = check_int("rounds", rounds, lo=1, hi=500)

    c = _Credit(want, rates, win_s, win_c)
    rec_sent, rec_lim, rec_cons, rec_csent, rec_clim = [], [], [], [], []
    for r in range(n_rounds):
        c.send(r, cap)                       # 1. sender: fill the path within both limits
        rec_sent.append(tuple(c.sent))
        rec_lim.append(tuple(c.limit))
        rec_csent.append(sum(c.sent))
        rec_clim.append(c.conn_limit)
        c.read()                             # 2. receiver gets the data; the application reads some of it
        rec_cons.append(tuple(c.consumed))
        c.readvertise(r)                     # 3. receiver re-advertises credit (takes effect next round)
    return FlowTrace(c.ns, tuple(rec_sent), tuple(rec_lim), tuple(rec_cons), tuple(rec_csent), tuple(rec_clim),
                     tuple(c.frames), tuple(want))


def _check_stream_sizes(stream_bytes: object, read_rate: object) -> tuple[list[int], list[int]]:
    """Validate :func:`flow_credit`'s per-stream tuples (same length, 1 to 8 streams)."""
    if not isinstance(stream_bytes, (tuple, list)) or not isinstance(read_rate, (tuple, list)):
        raise TypeError("stream_bytes and read_rate must be tuples of integers")
    ns = check_int("len(stream_bytes)", len(stream_bytes), lo=1, hi=8)
    if len(read_rate) != ns:
        raise ValueError(f"read_rate must have {ns} entries (one per stream), got {len(read_rate)}")
    want = [check_int("stream_bytes", b, lo=0, hi=10**9) for b in stream_bytes]
    rates = [check_int("read_rate", b, lo=0, hi=10**9) for b in read_rate]
    return want, rates


class _Credit:
    """Both ends of :func:`flow_credit`: what the sender knows and sent, what the receiver read and advertised."""

    def __init__(self, want: list[int], rates: list[int], win_s: int, win_c: int) -> None:
        self.ns = len(want)
        self.want, self.rates, self.win_s, self.win_c = want, rates, win_s, win_c
        self.sent = [0] * self.ns
        self.limit = [win_s] * self.ns       # MAX_STREAM_DATA as the sender knows it
        self.conn_limit = win_c              # MAX_DATA as the sender knows it
        self.consumed = [0] * self.ns        # receiver: read by the application (no loss: received = sent)
        self.adv = [win_s] * self.ns         # receiver's last advertised limits
        self.adv_conn = win_c
        self.frames: list[tuple[int, str, int, int]] = []

    def send(self, r: int, cap: int) -> None:
        """Water-fill ``cap`` bytes over the streams that may send, then report what blocks (§4.1)."""
        ns, sent, want, limit = self.ns, self.sent, self.want, self.limit
        budget = cap
        room = [max(0, min(want[s], limit[s]) - sent[s]) for s in range(ns)]
        conn_room = max(0, self.conn_limit - sum(sent))
        active = [s for s in range(ns) if room[s] > 0]
        while budget > 0 and conn_room > 0 and active:
            share = max(1, min(budget, conn_room) // len(active))
            for s in list(active):
                x = min(share, room[s], budget, conn_room)
                sent[s] += x
                room[s] -= x
                budget -= x
                conn_room -= x
                if room[s] == 0:
                    active.remove(s)
                if budget == 0 or conn_room == 0:
                    break
        for s in range(ns):
            if sent[s] < want[s] and sent[s] >= limit[s]:
                self.frames.append((r, "STREAM_DATA_BLOCKED", s, limit[s]))
        if sum(sent) >= self.conn_limit and any(sent[s] < want[s] for s in range(ns)):
            self.frames.append((r, "DATA_BLOCKED", -1, self.conn_limit))

    def read(self) -> None:
        """The receiving application reads up to its rate from every stream."""
        for s in range(self.ns):
            self.consumed[s] += min(self.rates[s], self.sent[s] - self.consumed[s])

    def readvertise(self, r: int) -> None:
        """Send MAX_STREAM_DATA / MAX_DATA once less than half a window is left (§4.2)."""
        for s in range(self.ns):
            if self.adv[s] - self.consumed[s] < self.win_s / 2 and self.adv[s] < self.want[s]:
                self.adv[s] = self.consumed[s] + self.win_s
                self.frames.append((r, "MAX_STREAM_DATA", s, self.adv[s]))
                self.limit[s] = max(self.limit[s], self.adv[s])   # §4.1: never decreases
        total_read = sum(self.consumed)
        if self.adv_conn - total_read < self.win_c / 2 and self.adv_conn < sum(self.want):
            self.adv_conn = total_read + self.win_c
            self.frames.append((r, "MAX_DATA", -1, self.adv_conn))
            self.conn_limit = max(self.conn_limit, self.adv_conn)


# --------------------------------------------------------------------------------------------
# connection migration


@dataclass(frozen=True, slots=True)
class MigrationStep:
    """One datagram of the migration scenario (server's view of the new path)."""

    time: float         # s
    sender: str         # "client" or "server"
    what: str           # frames carried, e.g. "STREAM + PATH_CHALLENGE"
    size: int           # bytes
    dcid: str           # destination connection ID on the wire
    received_total: int  # bytes the server has received on the new path after this step
    sent_total: int     # bytes the server has sent on the new path after this step
    validated: bool     # is the new client address validated after this step


@dataclass(frozen=True, slots=True)
class MigrationResult:
    """What :func:`migrate` returns."""

    steps: tuple[MigrationStep, ...]
    validated_at: float
    server_budget_before_validation: int
    reset_congestion: bool
    old_cid: str
    new_cid: str


def migrate(
    *,
    rtt: float = 0.08,
    client_bytes: int = 1200,
    server_backlog: int = 20_000,
    nat_rebinding: bool = False,
    datagram: int = 1200,
) -> MigrationResult:
    """The server's side of a client migrating to a new address (e.g. Wi-Fi → cellular).

    Parameters
    ----------
    rtt : float
        Round-trip time of the new path in seconds, in (0, 10].
    client_bytes : int
        Size of the client's first datagram from the new address, in [21, 65527] bytes.
    server_backlog : int
        Bytes of stream data the server has waiting for the client, in [0, 10**8].
    nat_rebinding : bool
        True if only the client's port changed (a NAT rebinding): the
        congestion controller and RTT estimate are kept (RFC 9000 §9.4).
    datagram : int
        The server's datagram size in bytes, in [1200, 65527].

    Returns
    -------
    MigrationResult

    Raises
    ------
    ValueError
        If ``rtt`` is not in (0, 10], ``client_bytes`` not in [21, 65527],
        ``server_backlog`` not in [0, 10**8] or ``datagram`` not in [1200, 65527].
    TypeError
        If a size is not an integer, ``rtt`` not a number or ``nat_rebinding``
        not a bool.

    Notes
    -----
    RFC 9000 §5.1 / §9.5: the client switches to an unused connection ID the
    server issued earlier in NEW_CONNECTION_ID, so the two paths cannot be
    linked by an observer; the server finds the connection by that ID, not by
    the 4-tuple. §8.2 / §9.3: the server answers from the new address at once
    but validates it with PATH_CHALLENGE (8 unpredictable bytes, padded to 1200
    bytes), which the client echoes in PATH_RESPONSE. Until then the server
    sends at most 3× the bytes received from that address (§8, §9.3). §9.4:
    after a real address change the congestion window and RTT estimate are
    reset; not for a port-only NAT rebinding.

    Examples
    --------
    >>> m = migrate(rtt=0.1, client_bytes=1200, server_backlog=10_000)
    >>> m.server_budget_before_validation, round(m.validated_at, 3)
    (3600, 0.15)
    """
    rtt = check_float("rtt", rtt, lo=0.0, hi=10.0, lo_open=True)
    cb = check_int("client_bytes", client_bytes, lo=21, hi=65527)
    backlog = check_int("server_backlog", server_backlog, lo=0, hi=10**8)
    nat = check_bool("nat_rebinding", nat_rebinding)
    dg = check_int("datagram", datagram, lo=MIN_DATAGRAM, hi=65527)
    old_cid, new_cid, client_cid = "c1a7", "5e02", "9b3f"
    steps: list[MigrationStep] = []
    received = sent = 0
    t = 0.0
    steps.append(MigrationStep(t, "client", "STREAM（新地址，新连接 ID）", cb, new_cid, 0, 0, False))
    t = rtt / 2
    received += cb
    budget = AMPLIFICATION_FACTOR * received
    # server: PATH_CHALLENGE first (padded to 1200 bytes if the budget allows), then data up to the budget
    first = min(dg, budget)
    sent += first
    steps.append(MigrationStep(t, "server", "PATH_CHALLENGE + STREAM", first, client_cid, received, sent, False))
    left = backlog
    while left > 0 and sent < budget:
        x = min(dg, budget - sent, left)
        sent += x
        left -= x
        steps.append(MigrationStep(t, "server", "STREAM（受 3 倍限制）", x, client_cid, received, sent, False))
    pre_budget = sent
    # client echoes the challenge
    steps.append(MigrationStep(t + rtt / 2, "client", "PATH_RESPONSE（填充到 1200 字节）", MIN_DATAGRAM, new_cid,
                               received, sent, False))
    t = t + rtt
    received += MIN_DATAGRAM
    steps.append(MigrationStep(t, "server", "收到 PATH_RESPONSE：地址已验证", 0, "-", received, sent, True))
    while left > 0:
        x = min(dg, left)
        sent += x
        left -= x
        steps.append(MigrationStep(t, "server", "STREAM（只受拥塞窗口限制）", x, client_cid, received, sent, True))
    return MigrationResult(tuple(steps), t, pre_budget, not nat, old_cid, new_cid)
