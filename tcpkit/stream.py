"""TCP as a byte stream: sequence/ack numbers over a conversation, message framing, and ISNs.

>>> [s.label for s in conversation("C100 S50", client_isn=0, server_isn=0).segments][:3]
['C→S SYN seq=0', 'S→C SYN+ACK seq=0 ack=1', 'C→S ACK seq=1 ack=1']

Three small pure models:

* :func:`conversation` — every segment of a connection (handshake, data, close)
  with its sequence and acknowledgment numbers, given the message sizes and
  the two ISNs. SYN and FIN consume one number each, data its length, a pure
  ACK none (RFC 9293 §3.4); arithmetic is modulo 2**32. Delayed ACKs follow
  Linux (first ACK after ``TCP_DELACK_MIN`` = 40 ms, immediately once more than
  one full segment is unacknowledged), so an ACK can ride on the reply.
* :func:`framing` — a writer's messages, cut by TCP into arbitrary pieces
  (seeded), read back by a reader with no framing, length-prefix framing or
  delimiter framing. Without framing the reader sees 粘包 (messages merged)
  and 拆包 (messages split).
* :func:`isn_rfc6528` — ISN = M + F(4-tuple, secret) (RFC 6528, RFC 9293
  §3.4.1), with the RFC's 4 µs clock or Linux's 64 ns clock.
"""

from __future__ import annotations

import hashlib
import ipaddress
import random
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ._validate import check_bool, check_bytes, check_choice, check_float, check_int
from .fsm.states import State
from .linux import LINUX
from .segment import TcpFlag, TcpHeader

__all__ = [
    "SEQ_SPACE",
    "ETHERNET_MSS",
    "SeqSegment",
    "segment_text",
    "Conversation",
    "parse_messages",
    "conversation",
    "Span",
    "FramingResult",
    "FRAMINGS",
    "frame",
    "framing",
    "IsnSample",
    "isn_rfc6528",
    "isn_wrap_seconds",
]

#: Sequence numbers live in [0, 2**32) (RFC 9293 §3.4).
SEQ_SPACE = 2**32

#: MSS on a 1500-byte Ethernet path with 20-byte IPv4 and TCP headers (RFC 894; tcp-facts §8.4).
ETHERNET_MSS = 1460

_MAX_MESSAGES = 64
_MAX_SEGMENTS = 400
_SIDES = ("C", "S")


def _other(side: str) -> str:
    return "S" if side == "C" else "C"


def segment_text(flags: str, seq: int, ack: int | None, length: int) -> str:
    """How tcpdump-like traces name a segment: ``"PSH+ACK seq=101 ack=301 len=100"``.

    ``ack`` is left out when it is None (ACK bit off), ``len`` when it is 0.

    >>> segment_text("SYN", 100, None, 0), segment_text("ACK", 101, 301, 0)
    ('SYN seq=100', 'ACK seq=101 ack=301')
    """
    s = f"{flags} seq={seq}"
    if ack is not None:
        s += f" ack={ack}"
    if length:
        s += f" len={length}"
    return s


# ---------------------------------------------------------------------------
# sequence / acknowledgment numbers
# ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SeqSegment:
    """One segment of a :class:`Conversation`.

    Attributes
    ----------
    index : int
        1-based position in the conversation.
    t_ms : float
        Time the segment is sent, in ms after the SYN (propagation delay 0).
    sender : str
        ``"C"`` (client) or ``"S"`` (server).
    flags : int
        :class:`~tcpkit.segment.TcpFlag` bits.
    seq, ack : int
        Absolute numbers on the wire; ``ack`` is ``None`` when the ACK bit is off (the first SYN).
    length : int
        Payload bytes.
    rel_seq, rel_ack : int
        Numbers relative to the sender's / receiver's ISN, as tcpdump and Wireshark show them.
    client_state, server_state : State
        Each side's state right after this segment has been sent and received.
    note : str
        Why the segment is there (Chinese).
    """

    index: int
    t_ms: float
    sender: str
    flags: int
    seq: int
    ack: int | None
    length: int
    rel_seq: int
    rel_ack: int | None
    client_state: State
    server_state: State
    note: str

    @property
    def flag_text(self) -> str:
        """``'SYN+ACK'``, ``'PSH+ACK'``, …"""
        return TcpHeader(0, 0, flags=self.flags).flag_text

    @property
    def consumes(self) -> int:
        """Sequence numbers used: data length, +1 for SYN, +1 for FIN."""
        return self.length + bool(self.flags & TcpFlag.SYN) + bool(self.flags & TcpFlag.FIN)

    @property
    def label(self) -> str:
        """A one-line description, e.g. ``'C→S PSH+ACK seq=1 ack=1 len=100'``."""
        arrow = "C→S" if self.sender == "C" else "S→C"
        return f"{arrow} {segment_text(self.flag_text, self.seq, self.ack, self.length)}"

    def header(self, client_port: int = 40000, server_port: int = 80, window: int = 64240) -> TcpHeader:
        """This segment as a :class:`~tcpkit.segment.TcpHeader` (no options)."""
        sp, dp = (client_port, server_port) if self.sender == "C" else (server_port, client_port)
        return TcpHeader(sp, dp, seq=self.seq, ack=self.ack or 0, flags=self.flags, window=window)


@dataclass(frozen=True, slots=True)
class Conversation:
    """The result of :func:`conversation`: the segments plus the inputs that produced them."""

    segments: tuple[SeqSegment, ...]
    messages: tuple[tuple[str, int], ...]
    client_isn: int
    server_isn: int
    mss: int
    delayed_ack: bool

    def table(self, relative: bool = False) -> list[tuple[int, str, str, str, str, int]]:
        """Rows ``(#, direction, flags, seq, ack, len)`` with ``'–'`` for a missing ack."""
        rows = []
        for s in self.segments:
            seq = s.rel_seq if relative else s.seq
            ack = s.rel_ack if relative else s.ack
            rows.append((s.index, "C→S" if s.sender == "C" else "S→C", s.flag_text, str(seq),
                         "–" if ack is None else str(ack), s.length))
        return rows


def parse_messages(text: str) -> tuple[tuple[str, int], ...]:
    """Parse a conversation written as text, e.g. ``"C100 S50"`` or ``"C:100, S:50"``.

    Parameters
    ----------
    text : str
        Items separated by spaces or commas; each is ``C`` or ``S`` (who writes)
        followed by a byte count in [1, 10**7], optionally with a colon.

    Returns
    -------
    tuple of (str, int)

    Raises
    ------
    ValueError
        An item that does not match, a size out of range, or more than 64 messages.

    Examples
    --------
    >>> parse_messages("C:100, S:50 c3")
    (('C', 100), ('S', 50), ('C', 3))
    >>> parse_messages("C100 X5")
    Traceback (most recent call last):
    ...
    ValueError: messages item 2 must look like C100 or S:50 (C = client, S = server), got 'X5'
    """
    if not isinstance(text, str):
        raise TypeError(f"messages must be a string like 'C100 S50', got {type(text).__name__}")
    out = []
    items = [x for x in re.split(r"[\s,;]+", text.strip()) if x]
    for i, item in enumerate(items, 1):
        m = re.fullmatch(r"([CcSs]):?(\d+)", item)
        if not m:
            raise ValueError(f"messages item {i} must look like C100 or S:50 (C = client, S = server), got {item!r}")
        out.append((m.group(1).upper(), check_int(f"size of messages item {i}", int(m.group(2)), lo=1, hi=10**7)))
    check_int("number of messages", len(out), lo=0, hi=_MAX_MESSAGES)
    return tuple(out)


class _Side:
    __slots__ = ("isn", "snd_nxt", "rcv_nxt", "peer_isn", "pending_since", "unacked", "state")

    def __init__(self, isn: int, state: State) -> None:
        self.isn = isn
        self.snd_nxt = isn
        self.rcv_nxt: int | None = None
        self.peer_isn = 0
        self.pending_since: float | None = None  # time of the first not-yet-ACKed arrival
        self.unacked = 0  # bytes received and not yet acknowledged
        self.state = state


class _ConversationBuilder:
    """Writes the segments of :func:`conversation` in three phases: :meth:`handshake`, :meth:`data`, :meth:`close`.

    :meth:`emit` sends one segment (SYN and FIN take one number, data its
    length, RFC 9293 §3.4); :meth:`received` and :meth:`flush` are the
    receiver's delayed-ACK rules.
    """

    def __init__(self, client_isn: int, server_isn: int, mss: int, delayed_ack: bool) -> None:
        self.sides = {"C": _Side(client_isn, State.CLOSED), "S": _Side(server_isn, State.LISTEN)}
        self.segs: list[SeqSegment] = []
        self.mss = mss
        self.delayed_ack = delayed_ack
        self.ato = float(LINUX["TCP_DELACK_MIN"].value) * 1000.0
        self.t = 0.0

    def emit(self, sender: str, flags: int, length: int, t: float, note: str) -> None:
        me, peer = self.sides[sender], self.sides[_other(sender)]
        seq = me.snd_nxt
        ack = me.rcv_nxt if flags & TcpFlag.ACK else None
        if ack is not None:  # any segment with ACK acknowledges everything received so far
            me.pending_since, me.unacked = None, 0
        consumes = length + bool(flags & TcpFlag.SYN) + bool(flags & TcpFlag.FIN)
        me.snd_nxt = (me.snd_nxt + consumes) % SEQ_SPACE
        if peer.rcv_nxt is None:
            peer.rcv_nxt = seq
            peer.peer_isn = seq
        peer.rcv_nxt = (seq + consumes) % SEQ_SPACE
        rel_seq = (seq - me.isn) % SEQ_SPACE
        rel_ack = None if ack is None else (ack - me.peer_isn) % SEQ_SPACE
        self.segs.append(SeqSegment(len(self.segs) + 1, t, sender, int(flags), seq, ack, length, rel_seq, rel_ack,
                                    self.sides["C"].state, self.sides["S"].state, note))

    def set_state(self, side: str, st: State) -> None:
        """Move ``side`` to ``st``; the last segment's row shows the new state."""
        self.sides[side].state = st
        self.segs[-1] = replace(self.segs[-1], client_state=self.sides["C"].state,
                                server_state=self.sides["S"].state)

    def flush(self, until: float) -> None:
        """Send the pure ACKs whose delayed-ACK timer fires before ``until``."""
        due = []
        for k in _SIDES:
            since = self.sides[k].pending_since
            if since is not None and since + self.ato <= until:
                due.append((since + self.ato, k))
        for t_due, k in sorted(due):
            self.emit(k, TcpFlag.ACK, 0, t_due, f"延迟确认定时器（{self.ato:g} ms）到期，单独回 ACK")

    def received(self, receiver: str, nbytes: int, t: float) -> None:
        """``receiver`` got ``nbytes``: ACK now, or start the delayed-ACK timer (Linux ``__tcp_ack_snd_check``)."""
        r = self.sides[receiver]
        if not self.delayed_ack:
            self.emit(receiver, TcpFlag.ACK, 0, t, "立即确认")
            return
        r.unacked += nbytes
        if r.pending_since is None:
            r.pending_since = t
        if r.unacked > self.mss:
            self.emit(receiver, TcpFlag.ACK, 0, t, "未确认的数据超过一个满段，立即 ACK")

    def handshake(self) -> None:
        """Three-way handshake (RFC 9293 §3.5)."""
        t = self.t
        self.emit("C", TcpFlag.SYN, 0, t, "第一次握手：SYN 占用一个序号")
        self.set_state("C", State.SYN_SENT)
        self.emit("S", TcpFlag.SYN | TcpFlag.ACK, 0, t, "第二次握手：确认号 = 客户端 ISN + 1")
        self.set_state("S", State.SYN_RECEIVED)
        self.emit("C", TcpFlag.ACK, 0, t, "第三次握手：纯 ACK 不占序号")
        self.set_state("C", State.ESTABLISHED)
        self.set_state("S", State.ESTABLISHED)

    def data(self, msgs: tuple[tuple[str, int], ...], reply: float) -> None:
        """Each message in MSS-sized segments, the last with PSH; an answer waits ``reply`` ms."""
        prev: str | None = None
        for who, n in msgs:
            if prev is not None and prev != who:
                self.t += reply
            self.flush(self.t)
            left = n
            while left:
                k = min(left, self.mss)
                left -= k
                flags = TcpFlag.ACK | (TcpFlag.PSH if left == 0 else 0)
                piggy = self.sides[who].pending_since is not None
                self.emit(who, flags, k, self.t, f"{k} 字节数据" + ("，顺带确认对方的数据" if piggy else ""))
                self.received(_other(who), k, self.t)
            prev = who

    def close(self, a: str, a_close: float, p_close: float) -> None:
        """``a`` closes first (RFC 9293 §3.6); the other side's ACK of the FIN is delayed (Linux pingpong mode)."""
        p = _other(a)
        self.t += a_close
        self.flush(self.t)
        self.emit(a, TcpFlag.FIN | TcpFlag.ACK, 0, self.t, "主动关闭：FIN 占用一个序号")
        self.set_state(a, State.FIN_WAIT_1)
        self.set_state(p, State.CLOSE_WAIT)
        if self.delayed_ack:  # Linux: a FIN in ESTABLISHED enters pingpong mode, the ACK is delayed
            if self.sides[p].pending_since is None:
                self.sides[p].pending_since = self.t
        else:
            self.emit(p, TcpFlag.ACK, 0, self.t, "确认 FIN")
        if self.segs[-1].sender == p:
            self.set_state(a, State.FIN_WAIT_2)
        self.t += p_close
        self.flush(self.t)
        if self.segs[-1].sender == p:
            self.set_state(a, State.FIN_WAIT_2)
        merged = self.sides[p].pending_since is not None
        self.emit(p, TcpFlag.FIN | TcpFlag.ACK, 0, self.t,
                  "被动关闭：FIN 与对 FIN 的 ACK 合并（三次挥手）" if merged else "被动关闭：发送自己的 FIN")
        self.set_state(p, State.LAST_ACK)
        self.set_state(a, State.TIME_WAIT)
        self.emit(a, TcpFlag.ACK, 0, self.t, "确认对方的 FIN，进入 TIME_WAIT")
        self.set_state(p, State.CLOSED)


def conversation(
    messages: str | Sequence[tuple[str, int]],
    *,
    client_isn: int = 0,
    server_isn: int = 0,
    mss: int = ETHERNET_MSS,
    delayed_ack: bool = True,
    reply_ms: float = 100.0,
    close: str = "C",
    active_close_ms: float = 0.0,
    passive_close_ms: float = 100.0,
) -> Conversation:
    """Sequence and acknowledgment numbers of every segment in a TCP conversation.

    Parameters
    ----------
    messages : str or sequence of (str, int)
        Who writes how many bytes, in order: ``"C100 S50"`` or
        ``[("C", 100), ("S", 50)]`` (at most 64 messages, each 1–10**7 bytes).
    client_isn, server_isn : int
        Initial sequence numbers, in [0, 2**32 − 1].
    mss : int
        Largest payload per segment in bytes, in [88, 65495] (``TCP_MIN_MSS`` …
        loopback MSS). A longer message is cut into MSS-sized segments; the
        last one carries PSH.
    delayed_ack : bool
        True: a receiver waits up to ``TCP_DELACK_MIN`` (40 ms) before a pure
        ACK, so the ACK can ride on its own next segment, and ACKs at once when
        more than one full segment is unacknowledged (RFC 9293 §3.8.6.3,
        Linux ``__tcp_ack_snd_check``). False: every arrival is ACKed at once
        (Linux quick-ACK mode).
    reply_ms : float
        Time in ms the application needs before writing a message that answers
        the other side, in [0, 10000]. Consecutive messages from the same side
        go out back to back.
    close : {"C", "S", "none"}
        Who closes first (sends the first FIN), or ``"none"`` to stop after the data.
    active_close_ms : float
        Time in ms between the last data and the first FIN, in [0, 10000].
    passive_close_ms : float
        Time in ms the other application needs to notice EOF and close, in [0, 10000].

    Returns
    -------
    Conversation

    Raises
    ------
    ValueError
        A parameter out of range, a malformed message list, or more than 400 segments.

    Notes
    -----
    RFC 9293 §3.4: SYN and FIN each occupy one sequence number; the ACK field
    is the next sequence number the sender of the ACK expects. Arithmetic is
    modulo 2**32. Linux ACKs the SYN-ACK and a FIN received in FIN-WAIT-2 at once
    (``tcp_rcv_synsent_state_process``, ``tcp_fin``); a FIN received in
    ESTABLISHED puts the receiver in pingpong mode, so its ACK is delayed
    (``tcp_fin`` → ``inet_csk_enter_pingpong_mode``) and merges with the
    passive close's FIN if that comes within 40 ms (three-segment close,
    tcp-facts §7 Q39). With the defaults and ``"C100 S50"`` this reproduces
    the ten-row table of tcp-facts §7 Q40.

    Examples
    --------
    >>> conv = conversation("C100 S50", client_isn=1000, server_isn=5000)
    >>> for row in conv.table(relative=True): print(row)
    (1, 'C→S', 'SYN', '0', '–', 0)
    (2, 'S→C', 'SYN+ACK', '0', '1', 0)
    (3, 'C→S', 'ACK', '1', '1', 0)
    (4, 'C→S', 'PSH+ACK', '1', '1', 100)
    (5, 'S→C', 'ACK', '1', '101', 0)
    (6, 'S→C', 'PSH+ACK', '1', '101', 50)
    (7, 'C→S', 'FIN+ACK', '101', '51', 0)
    (8, 'S→C', 'ACK', '51', '102', 0)
    (9, 'S→C', 'FIN+ACK', '51', '102', 0)
    (10, 'C→S', 'ACK', '102', '52', 0)
    >>> len(conversation("C100 S50", passive_close_ms=10).segments)  # FIN and ACK merge: 3-way close
    9
    """
    msgs, reply, a_close, p_close = _check_conversation(
        messages, client_isn, server_isn, mss, delayed_ack, reply_ms, close, active_close_ms, passive_close_ms)
    b = _ConversationBuilder(client_isn, server_isn, mss, delayed_ack)
    b.handshake()
    b.data(msgs, reply)
    if close != "none":
        b.close(close, a_close, p_close)
    else:
        b.flush(float("inf"))
    return Conversation(tuple(b.segs), msgs, client_isn, server_isn, mss, delayed_ack)


def _check_conversation(messages: str | Sequence[tuple[str, int]], client_isn: int, server_isn: int, mss: int,
                        delayed_ack: bool, reply_ms: float, close: str, active_close_ms: float,
                        passive_close_ms: float) -> tuple[tuple[tuple[str, int], ...], float, float, float]:
    """Validate the arguments of :func:`conversation`; return the messages and the three delays in ms."""
    msgs = parse_messages(messages) if isinstance(messages, str) else _check_messages(messages)
    check_int("client_isn", client_isn, lo=0, hi=SEQ_SPACE - 1)
    check_int("server_isn", server_isn, lo=0, hi=SEQ_SPACE - 1)
    check_int("mss", mss, lo=int(LINUX["TCP_MIN_MSS"].value), hi=int(LINUX["loopback_mss"].value))
    check_bool("delayed_ack", delayed_ack)
    reply = check_float("reply_ms", reply_ms, lo=0, hi=10000)
    check_choice("close", close, ("C", "S", "none"))
    a_close = check_float("active_close_ms", active_close_ms, lo=0, hi=10000)
    p_close = check_float("passive_close_ms", passive_close_ms, lo=0, hi=10000)
    nseg = sum(-(-n // mss) for _, n in msgs)
    if nseg * 2 + 7 > _MAX_SEGMENTS:
        raise ValueError(
            f"messages must fit in about {(_MAX_SEGMENTS - 7) // 2} data segments at mss={mss}, got {nseg}"
        )
    return msgs, reply, a_close, p_close


def _check_messages(messages: Sequence[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    out = []
    for i, item in enumerate(messages, 1):
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise ValueError(f"messages item {i} must be a (sender, size) pair, got {item!r}")
        who = check_choice(f"sender of messages item {i}", item[0], _SIDES)
        out.append((who, check_int(f"size of messages item {i}", item[1], lo=1, hi=10**7)))
    check_int("number of messages", len(out), lo=0, hi=_MAX_MESSAGES)
    return tuple(out)


# ---------------------------------------------------------------------------
# message framing over a byte stream
# ---------------------------------------------------------------------------
#: Framing methods :func:`framing` knows.
FRAMINGS = ("none", "length", "delimiter")

DELIMITER = b"\n"


@dataclass(frozen=True, slots=True)
class Span:
    """A byte range ``[start, end)`` of the stream."""

    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class FramingResult:
    """What :func:`framing` computed.

    Attributes
    ----------
    messages : tuple of bytes
        What the writer wrote, one ``send()`` per message.
    method : str
        ``"none"``, ``"length"`` or ``"delimiter"``.
    stream : bytes
        The bytes on the wire (messages plus framing bytes).
    message_spans : tuple of Span
        Where each message's *payload* sits in ``stream``.
    frame_spans : tuple of Span
        Where the framing bytes sit (length prefixes or delimiters).
    segments : tuple of Span
        How TCP cut the stream into segments.
    reads : tuple of Span
        What each ``recv(read_size)`` returned.
    received : tuple of bytes
        The messages the reader application ends up with.
    received_spans : tuple of Span
        The stream range each received message came from (payload only).
    """

    messages: tuple[bytes, ...]
    method: str
    stream: bytes
    message_spans: tuple[Span, ...]
    frame_spans: tuple[Span, ...]
    segments: tuple[Span, ...]
    reads: tuple[Span, ...]
    received: tuple[bytes, ...]
    received_spans: tuple[Span, ...]

    @property
    def ok(self) -> bool:
        """True if the reader got exactly the writer's messages."""
        return self.received == self.messages

    @property
    def merged(self) -> int:
        """Received messages that contain bytes of more than one sent message (粘包)."""
        return sum(1 for s in self.received_spans if len(self._owners(s)) > 1)

    @property
    def split(self) -> int:
        """Sent messages whose bytes arrived in more than one received message (拆包)."""
        count = 0
        for i, m in enumerate(self.message_spans):
            pieces = sum(1 for s in self.received_spans if s.start < m.end and m.start < s.end)
            if pieces > 1 or (pieces == 1 and m.length and self.received[self._index_of(m)] != self.messages[i]):
                count += 1
        return count

    def _index_of(self, m: Span) -> int:
        for j, s in enumerate(self.received_spans):
            if s.start < m.end and m.start < s.end:
                return j
        return 0

    def _owners(self, s: Span) -> set[int]:
        return {i for i, m in enumerate(self.message_spans) if m.start < s.end and s.start < m.end}


def frame(messages: Sequence[bytes], method: str) -> tuple[bytes, tuple[Span, ...], tuple[Span, ...]]:
    """Encode ``messages`` for a byte stream.

    Parameters
    ----------
    messages : sequence of bytes
        The application messages (1–64 of them, each at most 65535 bytes).
    method : {"none", "length", "delimiter"}
        ``"length"``: a 4-byte big-endian length before each message (as gRPC's
        length-prefixed messages and many RPC protocols do); ``"delimiter"``: a
        ``\\n`` after each message (as Redis RESP and HTTP/1.1 header lines use
        CRLF); ``"none"``: the bytes back to back.

    Returns
    -------
    (bytes, tuple of Span, tuple of Span)
        The stream, the payload span of each message, the spans of framing bytes.

    Raises
    ------
    ValueError
        Unknown method, or a message that contains the delimiter.

    Examples
    --------
    >>> frame([b"hi", b"yo"], "length")[0].hex()
    '00000002686900000002796f'
    >>> frame([b"a\\nb"], "delimiter")
    Traceback (most recent call last):
    ...
    ValueError: messages[0] contains the delimiter b'\\n' at byte 1; escape it or use length-prefix framing
    """
    check_choice("method", method, FRAMINGS)
    msgs = _check_byte_messages(messages)
    out = bytearray()
    spans, frames = [], []
    for i, m in enumerate(msgs):
        if method == "length":
            frames.append(Span(len(out), len(out) + 4))
            out += struct.pack("!I", len(m))
        elif method == "delimiter" and DELIMITER in m:
            raise ValueError(
                f"messages[{i}] contains the delimiter {DELIMITER!r} at byte {m.index(DELIMITER)}; "
                "escape it or use length-prefix framing"
            )
        spans.append(Span(len(out), len(out) + len(m)))
        out += m
        if method == "delimiter":
            frames.append(Span(len(out), len(out) + 1))
            out += DELIMITER
    return bytes(out), tuple(spans), tuple(frames)


def _check_byte_messages(messages: Sequence[bytes]) -> tuple[bytes, ...]:
    if isinstance(messages, (bytes, str)):
        raise TypeError("messages must be a sequence of bytes objects, not a single bytes/str")
    msgs = tuple(check_bytes(f"messages[{i}]", m) for i, m in enumerate(messages))
    check_int("number of messages", len(msgs), lo=1, hi=_MAX_MESSAGES)
    for i, m in enumerate(msgs):
        check_int(f"len(messages[{i}])", len(m), lo=0, hi=0xFFFF)
    return msgs


def framing(
    messages: Sequence[bytes], *, method: str = "none", seed: int = 0, max_segment: int = 16, read_size: int = 1024,
) -> FramingResult:
    """Send messages through a byte stream and read them back.

    Parameters
    ----------
    messages : sequence of bytes
        One ``send()`` each (1–64 messages, each ≤ 65535 bytes).
    method : {"none", "length", "delimiter"}
        Framing used by both ends (see :func:`frame`).
    seed : int
        Seed of the random segment sizes, in [0, 2**32 − 1].
    max_segment : int
        Largest segment payload in bytes, in [1, 65495]. Segment sizes are
        uniform in [1, max_segment]: TCP keeps no write boundaries (Nagle,
        MSS, window, retransmission and GRO all move them).
    read_size : int
        The reader's ``recv()`` buffer in bytes, in [1, 65536]. The reader
        calls ``recv(read_size)`` after each segment arrives until nothing is left.

    Returns
    -------
    FramingResult

    Raises
    ------
    ValueError
        A parameter out of range or a message containing the delimiter.

    Notes
    -----
    RFC 9293 §2.2 describes TCP's service as an ordered stream of bytes, and
    the PUSH of a SEND call (§3.9.1.2) does not mark record boundaries: the
    receiver learns nothing about where one ``send()`` ended. Without framing the reader takes each ``recv()`` as one
    message and gets merged (粘包) and split (拆包) messages. UDP keeps
    datagram boundaries (RFC 768).

    Examples
    --------
    >>> msgs = [b"hello", b"world", b"!"]
    >>> framing(msgs, method="none", seed=1, max_segment=4).received
    (b'he', b'l', b'low', b'o', b'rld!')
    >>> framing(msgs, method="length", seed=1, max_segment=4).received
    (b'hello', b'world', b'!')
    """
    check_int("seed", seed, lo=0, hi=2**32 - 1)
    check_int("max_segment", max_segment, lo=1, hi=int(LINUX["loopback_mss"].value))
    check_int("read_size", read_size, lo=1, hi=65536)
    stream, spans, frames = frame(messages, method)
    msgs = _check_byte_messages(messages)
    segs = _cut_into_segments(len(stream), random.Random(seed), max_segment)
    reads = _recv_calls(segs, read_size)
    received, rspans = _parse_reads(stream, reads, method)
    return FramingResult(msgs, method, stream, spans, frames, segs, reads, received, rspans)


def _cut_into_segments(size: int, rng: random.Random, max_segment: int) -> tuple[Span, ...]:
    """TCP cuts the stream wherever it likes: segment sizes uniform in [1, max_segment]."""
    segs: list[Span] = []
    pos = 0
    while pos < size:
        k = min(rng.randint(1, max_segment), size - pos)
        segs.append(Span(pos, pos + k))
        pos += k
    return tuple(segs)


def _recv_calls(segs: tuple[Span, ...], read_size: int) -> tuple[Span, ...]:
    """The reader: after each arrival, ``recv(read_size)`` until the receive buffer is empty."""
    reads: list[Span] = []
    got = 0
    for s in segs:
        while got < s.end:
            k = min(read_size, s.end - got)
            reads.append(Span(got, got + k))
            got += k
    return tuple(reads)


def _parse_reads(stream: bytes, reads: tuple[Span, ...],
                 method: str) -> tuple[tuple[bytes, ...], tuple[Span, ...]]:
    """The messages the reader's framing finds in what ``recv()`` returned, and where they came from."""
    if method == "none":  # each recv() is taken as one message
        return tuple(stream[r.start : r.end] for r in reads), reads
    received: list[bytes] = []
    rspans: list[Span] = []
    buf_start = 0  # parser position in the stream; bytes < avail are readable
    for r in reads:
        avail = r.end
        while True:
            if method == "length":
                if avail - buf_start < 4:
                    break
                n = struct.unpack("!I", stream[buf_start : buf_start + 4])[0]
                if avail - buf_start - 4 < n:
                    break
                rspans.append(Span(buf_start + 4, buf_start + 4 + n))
                buf_start += 4 + n
            else:
                j = stream.find(DELIMITER, buf_start, avail)
                if j < 0:
                    break
                rspans.append(Span(buf_start, j))
                buf_start = j + 1
            received.append(stream[rspans[-1].start : rspans[-1].end])
    return tuple(received), tuple(rspans)


# ---------------------------------------------------------------------------
# initial sequence numbers (RFC 6528)
# ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class IsnSample:
    """One ISN and its two parts: ``isn = (clock + offset) mod 2**32``."""

    clock: int    #: M, the timer value (mod 2**32)
    offset: int   #: F(4-tuple, secret), 32 bits
    isn: int


_TICK_NS = {"rfc": 4000, "linux": 64}


def isn_wrap_seconds(clock: str = "linux") -> float:
    """Seconds until the ISN clock alone wraps 2**32: 4 µs·2**32 ≈ 4.77 h (RFC); 64 ns·2**32 ≈ 274.9 s (Linux).

    Examples
    --------
    >>> round(isn_wrap_seconds("linux"), 1), round(isn_wrap_seconds("rfc") / 3600, 2)
    (274.9, 4.77)
    """
    check_choice("clock", clock, tuple(_TICK_NS))
    return _TICK_NS[clock] * 1e-9 * SEQ_SPACE


def isn_rfc6528(
    src: str,
    sport: int,
    dst: str,
    dport: int,
    *,
    now_ns: int,
    secret: bytes,
    clock: str = "linux",
    hash: str = "siphash",  # noqa: A002 - the RFC's word
) -> IsnSample:
    """An initial sequence number per RFC 6528: ``ISN = M + F(localip, localport, remoteip, remoteport, secretkey)``.

    Parameters
    ----------
    src, dst : str
        IPv4 or IPv6 addresses of the connecting side and the peer.
    sport, dport : int
        Ports, in [0, 65535].
    now_ns : int
        The clock in nanoseconds, in [0, 2**64 − 1] (Linux: ``ktime_get_real_ns()``).
    secret : bytes
        The per-boot secret key: 16 bytes for ``"siphash"``, 1–64 for ``"blake2b"``.
    clock : {"linux", "rfc"}
        ``"rfc"``: M ticks every 4 µs (RFC 6528 §3, RFC 9293 §3.4.1);
        ``"linux"``: M = ``now_ns >> 6``, a 64 ns tick (``seq_scale()``).
    hash : {"siphash", "blake2b"}
        F: ``"siphash"`` is Linux's ``siphash_3u32(saddr, daddr, sport << 16 | dport)``
        on a little-endian host, low 32 bits (``net/core/secure_seq.c``
        ``secure_tcp_seq``; IPv6 hashes the 16-byte addresses); ``"blake2b"`` is
        a keyed BLAKE2b, any good PRF will do (RFC 6528 §3).

    Returns
    -------
    IsnSample

    Raises
    ------
    ValueError
        A parameter out of range or a secret of the wrong length.

    Notes
    -----
    The clock part makes successive connections on the *same* 4-tuple start
    further along the sequence space, so old duplicates fall outside the new
    window (RFC 9293 §3.4.1); the keyed hash makes the starting point of
    *different* 4-tuples unpredictable to an off-path attacker (RFC 6528 §1,
    Bellovin's attack). Linux's 64 ns clock wraps every ≈ 274.9 s.

    Examples
    --------
    >>> key = bytes(range(16))
    >>> a = isn_rfc6528("10.0.0.1", 40000, "10.0.0.2", 80, now_ns=0, secret=key)
    >>> b = isn_rfc6528("10.0.0.1", 40000, "10.0.0.2", 80, now_ns=64_000, secret=key)
    >>> (b.isn - a.isn) % 2**32        # same 4-tuple, 64 µs later: 1000 ticks of 64 ns
    1000
    >>> c = isn_rfc6528("10.0.0.1", 40001, "10.0.0.2", 80, now_ns=0, secret=key)
    >>> c.offset != a.offset           # another 4-tuple starts somewhere else
    True
    """
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    if s.version != d.version:
        raise ValueError(f"src and dst must be the same IP version, got IPv{s.version} and IPv{d.version}")
    check_int("sport", sport, lo=0, hi=0xFFFF)
    check_int("dport", dport, lo=0, hi=0xFFFF)
    check_int("now_ns", now_ns, lo=0, hi=2**64 - 1)
    check_choice("clock", clock, tuple(_TICK_NS))
    check_choice("hash", hash, ("siphash", "blake2b"))
    key = check_bytes("secret", secret)
    if hash == "siphash":
        if len(key) != 16:
            raise ValueError(f"secret must be exactly 16 bytes long for siphash, got {len(key)}")
        from .siphash import siphash24

        # (__force u32)sport << 16 | dport, stored little-endian = dport wire bytes then sport wire bytes
        ports = struct.pack("!HH", dport, sport)
        f = siphash24(key, s.packed + d.packed + ports) & 0xFFFFFFFF
    else:
        check_int("len(secret)", len(key), lo=1, hi=64)
        h = hashlib.blake2b(s.packed + d.packed + struct.pack("!HH", sport, dport), key=key, digest_size=4)
        f = int.from_bytes(h.digest(), "big")
    m = (now_ns // _TICK_NS[clock]) % SEQ_SPACE
    return IsnSample(m, f, (m + f) % SEQ_SPACE)
