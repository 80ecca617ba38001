"""tcpkit.stream: seq/ack evolution (tcp-facts §7 Q40 and the real kernel), framing, RFC 6528 ISNs."""

from __future__ import annotations

import hashlib
import socket
import struct
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tcpkit.segment import TcpFlag, parse_tcp
from tcpkit.siphash import siphash24
from tcpkit.stream import (
    SEQ_SPACE,
    conversation,
    frame,
    framing,
    isn_rfc6528,
    isn_wrap_seconds,
    parse_messages,
)

M = 2**32
SA, PA, FA, A = "SYN+ACK", "PSH+ACK", "FIN+ACK", "ACK"


def q40_expected(x: int, y: int) -> list[tuple[str, str, int, int | None, int]]:
    """tcp-facts §7 Q40, transcribed: (dir, flags, seq, ack, len) for client ISN x, server ISN y."""
    rows = [
        ("C", "SYN", x, None, 0),
        ("S", SA, y, x + 1, 0),
        ("C", A, x + 1, y + 1, 0),
        ("C", PA, x + 1, y + 1, 100),
        ("S", A, y + 1, x + 101, 0),
        ("S", PA, y + 1, x + 101, 50),
        ("C", FA, x + 101, y + 51, 0),
        ("S", A, y + 51, x + 102, 0),
        ("S", FA, y + 51, x + 102, 0),
        ("C", A, x + 102, y + 52, 0),
    ]
    return [(d, f, s % M, None if a is None else a % M, n) for d, f, s, a, n in rows]


@pytest.mark.parametrize("x, y", [(0, 0), (1000, 5000), (M - 1, M - 60), (123456789, 3141592653)])
def test_q40_table(x, y):
    conv = conversation("C100 S50", client_isn=x, server_isn=y)
    got = [(s.sender, s.flag_text, s.seq, s.ack, s.length) for s in conv.segments]
    assert got == q40_expected(x, y)


@given(st.integers(0, M - 1), st.integers(0, M - 1),
       st.lists(st.tuples(st.sampled_from("CS"), st.integers(1, 5000)), max_size=8),
       st.booleans(), st.sampled_from(["C", "S", "none"]))
@settings(max_examples=80, deadline=None)
def test_invariants(x, y, msgs, delayed, close):
    """RFC 9293 §3.4 invariants recomputed from the segment list alone."""
    conv = conversation(msgs, client_isn=x, server_isn=y, mss=1000, delayed_ack=delayed, close=close)
    nxt = {"C": x, "S": y}          # next sequence number each side will use
    rcv = {"C": None, "S": None}    # what each side has received up to
    for s in conv.segments:
        assert s.seq == nxt[s.sender]
        assert 0 <= s.seq < SEQ_SPACE
        used = s.length + bool(s.flags & TcpFlag.SYN) + bool(s.flags & TcpFlag.FIN)
        nxt[s.sender] = (s.seq + used) % M
        other = "S" if s.sender == "C" else "C"
        if s.ack is not None:
            assert s.ack == rcv[s.sender]   # ACK = next byte expected from the peer
        rcv[other] = nxt[s.sender]
        assert s.length <= 1000
    # every byte written is sent exactly once
    for side in "CS":
        sent = sum(s.length for s in conv.segments if s.sender == side)
        assert sent == sum(n for w, n in msgs if w == side)
    # everything sent is acknowledged by the end (the final ACK of the close, or flushed delayed ACKs)
    last_ack = {side: None for side in "CS"}
    for s in conv.segments:
        if s.ack is not None:
            last_ack[s.sender] = s.ack
    assert last_ack["S"] == nxt["C"] and last_ack["C"] == nxt["S"]
    times = [s.t_ms for s in conv.segments]
    assert times == sorted(times)


def test_delayed_ack_options():
    assert len(conversation("C100 S50", delayed_ack=False).segments) == 11
    # passive close within the 40 ms delayed-ACK time: FIN and ACK merge (tcp-facts Q39)
    three = conversation("C100 S50", passive_close_ms=10)
    assert [s.flag_text for s in three.segments[-3:]] == [FA, FA, A]
    # two full segments unacknowledged → immediate ACK (RFC 9293 §3.8.6.3)
    big = conversation("C3000", mss=1000, close="none")
    flags = [(s.sender, s.flag_text, s.length) for s in big.segments[3:]]
    assert flags[:3] == [("C", A, 1000), ("C", A, 1000), ("S", A, 0)]


def test_relative_numbers_start_at_zero():
    conv = conversation("S10 C20", client_isn=M - 3, server_isn=77, close="S")
    assert conv.segments[0].rel_seq == 0
    assert conv.segments[1].rel_ack == 1
    assert conv.segments[-1].sender == "S" and conv.segments[-1].flag_text == A


@pytest.mark.parametrize(
    "call, exc, msg",
    [
        (lambda: parse_messages("C100 X5"), ValueError,
         "messages item 2 must look like C100 or S:50 (C = client, S = server), got 'X5'"),
        (lambda: parse_messages("C0"), ValueError, "size of messages item 1 must be in [1, 10000000], got 0"),
        (lambda: parse_messages(" ".join(["C1"] * 65)), ValueError, "number of messages must be in [0, 64], got 65"),
        (lambda: parse_messages(5), TypeError, "messages must be a string like 'C100 S50', got int"),
        (lambda: conversation("C1", client_isn=M), ValueError, "client_isn must be in [0, 4294967295], got 4294967296"),
        (lambda: conversation("C1", server_isn=-1), ValueError, "server_isn must be in [0, 4294967295], got -1"),
        (lambda: conversation("C1", mss=20), ValueError, "mss must be in [88, 65495], got 20"),
        (lambda: conversation("C1", delayed_ack=1), TypeError, "delayed_ack must be True or False, got int 1"),
        (lambda: conversation("C1", reply_ms=-1), ValueError, "reply_ms must be in [0, 10000], got -1"),
        (lambda: conversation("C1", close="X"), ValueError, "close must be one of 'C', 'S', 'none', got 'X'"),
        (lambda: conversation("C1", active_close_ms=1e5), ValueError, "active_close_ms must be in [0, 10000], got 100000"),
        (lambda: conversation("C1", passive_close_ms=-2), ValueError, "passive_close_ms must be in [0, 10000], got -2"),
        (lambda: conversation([("X", 1)]), ValueError, "sender of messages item 1 must be one of 'C', 'S', got 'X'"),
        (lambda: conversation([("C",)]), ValueError, "messages item 1 must be a (sender, size) pair, got ('C',)"),
        (lambda: conversation("C1000000", mss=88), ValueError, "messages must fit in about 196 data segments at mss=88, got 11364"),
    ],
)
def test_conversation_messages(call, exc, msg):
    with pytest.raises(exc) as e:
        call()
    assert str(e.value) == msg


# ---------------------------------------------------------------------------
# framing
# ---------------------------------------------------------------------------
def ref_length_decode(stream: bytes) -> list[bytes]:
    out, i = [], 0
    while i + 4 <= len(stream):
        (n,) = struct.unpack("!I", stream[i : i + 4])
        out.append(stream[i + 4 : i + 4 + n])
        i += 4 + n
    return out


msgs_st = st.lists(st.binary(min_size=0, max_size=40).filter(lambda b: b"\n" not in b), min_size=1, max_size=12)


@given(msgs_st, st.integers(0, 2**32 - 1), st.integers(1, 30), st.integers(1, 50))
@settings(max_examples=80, deadline=None)
def test_framing_recovers_messages(msgs, seed, max_segment, read_size):
    for method in ("length", "delimiter"):
        r = framing(msgs, method=method, seed=seed, max_segment=max_segment, read_size=read_size)
        assert r.ok, method
        assert r.received == tuple(msgs)
        assert r.merged == 0 and r.split == 0
    r = framing(msgs, method="length", seed=seed)
    assert ref_length_decode(r.stream) == list(msgs)
    assert frame(msgs, "delimiter")[0] == b"".join(m + b"\n" for m in msgs)


@given(msgs_st, st.integers(0, 2**32 - 1), st.integers(1, 30), st.integers(1, 50))
@settings(max_examples=80, deadline=None)
def test_segments_and_reads_cover_stream(msgs, seed, max_segment, read_size):
    r = framing(msgs, method="none", seed=seed, max_segment=max_segment, read_size=read_size)
    for spans in (r.segments, r.reads):
        assert b"".join(r.stream[s.start : s.end] for s in spans) == r.stream
        assert all(1 <= s.length for s in spans)
    assert all(s.length <= max_segment for s in r.segments)
    assert all(s.length <= read_size for s in r.reads)
    # without framing the reader gets the reads themselves, and the bytes are intact
    assert b"".join(r.received) == b"".join(msgs)


def test_no_framing_shows_merge_and_split():
    msgs = [b"GET /a", b"GET /b", b"GET /c"]
    merged = framing(msgs, method="none", max_segment=18, read_size=1024, seed=3)
    split = framing(msgs, method="none", max_segment=3, read_size=1024, seed=3)
    assert not split.ok and split.split >= 1
    big_reads = framing(msgs, method="none", max_segment=18, read_size=4096, seed=5)
    # with large segments some read must span two messages (粘包) for at least one of these seeds
    assert merged.merged + big_reads.merged >= 1


def test_no_framing_against_real_loopback_socket():
    """The same thing on a real TCP connection: three send()s, one recv() gets them merged."""
    srv = socket.socket()
    cli = socket.socket()
    conn = None
    try:
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        cli.connect(srv.getsockname())
        conn, _ = srv.accept()
        for m in (b"one", b"two", b"three"):
            cli.sendall(m)
        time.sleep(0.05)
        data = conn.recv(1024)
        assert data == b"onetwothree"  # boundaries gone: 粘包
        r = framing([b"one", b"two", b"three"], method="none", max_segment=64, seed=0)
        assert r.received == (data,)
    finally:
        for s in (conn, cli, srv):
            if s is not None:
                s.close()


@pytest.mark.parametrize(
    "call, exc, msg",
    [
        (lambda: framing([b"a"], method="json"), ValueError, "method must be one of 'none', 'length', 'delimiter', got 'json'"),
        (lambda: framing([b"a"], seed=-1), ValueError, "seed must be in [0, 4294967295], got -1"),
        (lambda: framing([b"a"], max_segment=0), ValueError, "max_segment must be in [1, 65495], got 0"),
        (lambda: framing([b"a"], read_size=0), ValueError, "read_size must be in [1, 65536], got 0"),
        (lambda: framing([]), ValueError, "number of messages must be in [1, 64], got 0"),
        (lambda: framing(["a"]), TypeError, "messages[0] must be bytes, got str"),
        (lambda: framing(b"abc"), TypeError, "messages must be a sequence of bytes objects, not a single bytes/str"),
        (lambda: framing([b"x\ny"], method="delimiter"), ValueError,
         "messages[0] contains the delimiter b'\\n' at byte 1; escape it or use length-prefix framing"),
    ],
)
def test_framing_messages(call, exc, msg):
    with pytest.raises(exc) as e:
        call()
    assert str(e.value) == msg


# ---------------------------------------------------------------------------
# ISN (RFC 6528)
# ---------------------------------------------------------------------------
KEY = bytes(range(16))


def test_isn_blake2b_matches_formula():
    ns = 1_700_000_000_123_456_789
    s = isn_rfc6528("192.0.2.1", 40000, "198.51.100.7", 80, now_ns=ns, secret=KEY, clock="rfc", hash="blake2b")
    f = int.from_bytes(hashlib.blake2b(bytes([192, 0, 2, 1, 198, 51, 100, 7, 0x9C, 0x40, 0, 80]), key=KEY,
                                       digest_size=4).digest(), "big")
    m = (ns // 4000) % M
    assert (s.clock, s.offset, s.isn) == (m, f, (m + f) % M)


def test_isn_linux_siphash_layout():
    # Linux secure_tcp_seq: siphash_3u32(saddr, daddr, sport << 16 | dport) + (ns >> 6), little-endian host
    ns = 123_456_789_000
    s = isn_rfc6528("10.1.2.3", 5555, "10.9.8.7", 443, now_ns=ns, secret=KEY)
    words = (
        int.from_bytes(bytes([10, 1, 2, 3]), "little"),
        int.from_bytes(bytes([10, 9, 8, 7]), "little"),
        (int.from_bytes((5555).to_bytes(2, "big"), "little") << 16) | int.from_bytes((443).to_bytes(2, "big"), "little"),
    )
    msg = b"".join(w.to_bytes(4, "little") for w in words)
    assert s.offset == siphash24(KEY, msg) & 0xFFFFFFFF
    assert s.clock == (ns >> 6) % M


def test_isn_properties():
    a = isn_rfc6528("10.0.0.1", 1, "10.0.0.2", 2, now_ns=0, secret=KEY)
    b = isn_rfc6528("10.0.0.1", 1, "10.0.0.2", 2, now_ns=4_000_000, secret=KEY, clock="rfc")
    assert (b.isn - a.isn) % M == 1000  # 4 ms = 1000 ticks of 4 µs
    other_key = isn_rfc6528("10.0.0.1", 1, "10.0.0.2", 2, now_ns=0, secret=bytes(16))
    assert other_key.offset != a.offset
    v6 = isn_rfc6528("::1", 1, "::2", 2, now_ns=10**9, secret=KEY)
    assert 0 <= v6.isn < M
    assert isn_wrap_seconds("linux") == pytest.approx(64e-9 * 2**32)
    assert isn_wrap_seconds("rfc") == pytest.approx(4e-6 * 2**32)


@pytest.mark.parametrize(
    "kwargs, exc, msg",
    [
        ({"sport": 70000}, ValueError, "sport must be in [0, 65535], got 70000"),
        ({"dport": -1}, ValueError, "dport must be in [0, 65535], got -1"),
        ({"now_ns": -1}, ValueError, "now_ns must be in [0, 18446744073709551615], got -1"),
        ({"clock": "ms"}, ValueError, "clock must be one of 'rfc', 'linux', got 'ms'"),
        ({"hash": "md5"}, ValueError, "hash must be one of 'siphash', 'blake2b', got 'md5'"),
        ({"secret": b"short"}, ValueError, "secret must be exactly 16 bytes long for siphash, got 5"),
        ({"secret": "k"}, TypeError, "secret must be bytes, got str"),
        ({"dst": "::1"}, ValueError, "src and dst must be the same IP version, got IPv4 and IPv6"),
    ],
)
def test_isn_messages(kwargs, exc, msg):
    base = {"src": "10.0.0.1", "sport": 1, "dst": "10.0.0.2", "dport": 2, "now_ns": 0, "secret": KEY}
    base.update(kwargs)
    with pytest.raises(exc) as e:
        isn_rfc6528(**base)
    assert str(e.value) == msg


@pytest.mark.kernel
def test_kernel_isns_differ_per_connection():
    """Linux picks a fresh ISN per connection: two back-to-back connections never share one."""
    from basics_capture import LoopbackCapture

    srv = socket.socket()
    try:
        srv.bind(("127.0.0.1", 0))
        srv.listen(4)
        port = srv.getsockname()[1]
        with LoopbackCapture(port) as cap:
            for _ in range(2):
                c = socket.socket()
                c.connect(("127.0.0.1", port))
                srv.accept()[0].close()
                c.close()
            segs = cap.segments()
        isns = [s.header.seq for s in segs if s.header.flags == TcpFlag.SYN]
        assert len(isns) == 2 and isns[0] != isns[1]
    finally:
        srv.close()


# ---------------------------------------------------------------------------
# the real kernel: the seq/ack numbers of a C100 S50 exchange on loopback
# ---------------------------------------------------------------------------
@pytest.mark.kernel
def test_kernel_seq_ack_match_model():
    """A C100 S50 exchange on loopback has exactly the model's segments (quick-ACK mode, four-segment close)."""
    from basics_capture import LoopbackCapture

    srv = socket.socket()
    try:
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        port = srv.getsockname()[1]

        def server():
            conn, _ = srv.accept()
            conn.recv(100)
            time.sleep(0.1)          # reply after 100 ms: the ACK of the request goes alone
            conn.sendall(b"s" * 50)
            conn.recv(10)            # EOF
            time.sleep(0.3)          # passive close after 300 ms: four-segment close
            conn.close()

        with LoopbackCapture(port) as cap:
            th = threading.Thread(target=server)
            th.start()
            cli = socket.socket()
            try:
                cli.connect(("127.0.0.1", port))
                cport = cli.getsockname()[1]
                cli.sendall(b"c" * 100)
                cli.recv(50)
                time.sleep(0.05)
            finally:
                cli.close()
            th.join(5)
            segs = cap.segments(want=11, timeout=3)
        seen = [("C" if s.header.src_port == cport else "S", s.header.flags, s.header.seq, s.header.ack,
                 len(s.payload)) for s in segs]
        x = next(r[2] for r in seen if r[0] == "C" and r[1] == TcpFlag.SYN)
        y = next(r[2] for r in seen if r[0] == "S" and r[1] == TcpFlag.SYN | TcpFlag.ACK)
        model = conversation("C100 S50", client_isn=x, server_isn=y, delayed_ack=False)
        want = sorted((s.sender, s.flags, s.seq, s.ack if s.ack is not None else 0, s.length) for s in model.segments)
        assert sorted(seen) == want
    finally:
        srv.close()


# ---------------------------------------------------------------------------
# hypothesis: every out-of-range value is refused with a message naming the parameter
# ---------------------------------------------------------------------------
outside_u32 = st.integers().filter(lambda v: not 0 <= v < 2**32)


@given(outside_u32)
@settings(max_examples=40, deadline=None)
def test_bad_isns_named(v):
    with pytest.raises(ValueError, match=r"^client_isn must be in \[0, 4294967295\], got "):
        conversation("C1", client_isn=v)
    with pytest.raises(ValueError, match=r"^server_isn must be in \[0, 4294967295\], got "):
        conversation("C1", server_isn=v)


@given(st.integers().filter(lambda v: not 88 <= v <= 65495))
@settings(max_examples=40, deadline=None)
def test_bad_mss_named(v):
    with pytest.raises(ValueError, match=r"^mss must be in \[88, 65495\], got "):
        conversation("C1", mss=v)


@given(st.integers().filter(lambda v: not 1 <= v <= 65536), st.integers().filter(lambda v: not 1 <= v <= 65495))
@settings(max_examples=40, deadline=None)
def test_bad_framing_sizes_named(read_size, max_segment):
    with pytest.raises(ValueError, match=r"^read_size must be in \[1, 65536\], got "):
        framing([b"a"], read_size=read_size)
    with pytest.raises(ValueError, match=r"^max_segment must be in \[1, 65495\], got "):
        framing([b"a"], max_segment=max_segment)


@given(st.one_of(st.floats(allow_nan=False).filter(lambda v: not 0 <= v <= 10000), st.just(float("nan"))))
@settings(max_examples=40, deadline=None)
def test_bad_times_named(v):
    for name in ("reply_ms", "active_close_ms", "passive_close_ms"):
        with pytest.raises(ValueError, match=rf"^{name} must be (a finite number )?in \[0, 10000\]"):
            conversation("C1", **{name: v})


def test_segments_as_headers_roundtrip():
    conv = conversation("C100 S50", client_isn=7, server_isn=9)
    for s in conv.segments:
        h = parse_tcp(s.header(40000, 80).to_bytes()).header
        assert (h.seq, h.ack, h.flags) == (s.seq, s.ack or 0, s.flags)
        assert (h.src_port, h.dst_port) == ((40000, 80) if s.sender == "C" else (80, 40000))
        assert bool(h.flags & TcpFlag.ACK) == (s.ack is not None)
