"""tcpkit.segment against RFC 1071, the fact sheet's worked examples, scapy, and a real Linux SYN."""

from __future__ import annotations

import ipaddress
import socket
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scapy.layers.inet import IP, TCP, UDP, in4_chksum
from scapy.layers.inet6 import IPv6, in6_chksum
from scapy.packet import Raw

from tcpkit.segment import (
    Eol,
    Mss,
    Nop,
    RawOption,
    Sack,
    SackPermitted,
    TcpFlag,
    TcpHeader,
    Timestamps,
    UdpHeader,
    WindowScale,
    internet_checksum,
    parse_options,
    parse_tcp,
    parse_udp,
    pseudo_header,
    tcp_checksum,
    tcp_layout,
    udp_checksum,
    udp_layout,
    verify_tcp_checksum,
    verify_udp_checksum,
)

HYP = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------------------
# an independent RFC 1071 checksum: byte pairs, end-around carry after each add
# ---------------------------------------------------------------------------
def ref_checksum(data: bytes) -> int:
    acc = 0
    for i in range(0, len(data), 2):
        hi = data[i]
        lo = data[i + 1] if i + 1 < len(data) else 0
        acc += (hi << 8) | lo
        acc = (acc & 0xFFFF) + (acc >> 16)
    return (~acc) & 0xFFFF


def test_rfc1071_numerical_example():
    # RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7; 2's-complement sum 2ddf0, folded ddf2, checksum ~ddf2
    data = bytes([0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7])
    assert sum(struct.unpack("!4H", data)) == 0x2DDF0
    assert internet_checksum(data) == (~0xDDF2) & 0xFFFF == 0x220D
    # verification: the sum including the checksum is all ones (checksum of it = 0)
    assert internet_checksum(data + (0x220D).to_bytes(2, "big")) == 0


@given(st.binary(max_size=300))
@HYP
def test_checksum_matches_reference(data):
    assert internet_checksum(data) == ref_checksum(data)


def test_checksum_odd_length_pads_with_zero():
    assert internet_checksum(b"\x12\x34\x56") == ref_checksum(b"\x12\x34\x56\x00")


def test_rfc1624_incremental_update():
    # RFC 1624 eq. 3: HC' = ~(~HC + ~m + m') gives the same as recomputing
    data = bytearray(bytes.fromhex("4500003c1c4640004006b1e6ac100a63ac100a0c"))
    hc = internet_checksum(bytes(data))
    m, m2 = int.from_bytes(data[8:10], "big"), 0x3F06  # TTL 0x40 → 0x3f
    data[8:10] = m2.to_bytes(2, "big")

    def add(a, b):
        s = a + b
        return (s & 0xFFFF) + (s >> 16)

    hc2 = (~add(add(~hc & 0xFFFF, ~m & 0xFFFF), m2)) & 0xFFFF
    assert hc2 == internet_checksum(bytes(data))


# ---------------------------------------------------------------------------
# the fact sheet's worked examples (tcp-facts.md §8.3)
# ---------------------------------------------------------------------------
def test_fact_sheet_tcp_syn_0x283d():
    given_hex = "c0000201 c6336407 0006 0014 9c40 0050 000003e8 00000000 5002 faf0 0000 0000".replace(" ", "")
    raw = bytes.fromhex(given_hex)
    assert ref_checksum(raw) == 0x283D
    h = TcpHeader(40000, 80, seq=1000, ack=0, flags=TcpFlag.SYN, window=64240)
    seg = h.to_bytes()
    assert seg == raw[12:]
    assert pseudo_header("192.0.2.1", "198.51.100.7", 6, 20) == raw[:12]
    assert tcp_checksum("192.0.2.1", "198.51.100.7", seg) == 0x283D
    full = h.to_bytes(src="192.0.2.1", dst="198.51.100.7")
    assert full[16:18] == b"\x28\x3d"
    assert verify_tcp_checksum("192.0.2.1", "198.51.100.7", full)


def test_fact_sheet_udp_0x9616():
    ph = ipaddress.ip_address("192.0.2.1").packed + ipaddress.ip_address("198.51.100.7").packed + bytes([0, 17, 0, 10])
    hdr = (5353).to_bytes(2, "big") + (53).to_bytes(2, "big") + (10).to_bytes(2, "big") + b"\0\0"
    assert ref_checksum(ph + hdr + b"hi") == 0x9616
    dg = UdpHeader(5353, 53).to_bytes(b"hi", src="192.0.2.1", dst="198.51.100.7")
    assert dg == hdr[:6] + b"\x96\x16" + b"hi"
    assert udp_checksum("192.0.2.1", "198.51.100.7", dg) == 0x9616
    assert verify_udp_checksum("192.0.2.1", "198.51.100.7", dg)


def test_udp_zero_checksum_sent_as_ffff():
    # search a payload whose computed checksum is 0 and check it is sent as 0xFFFF (RFC 768)
    src, dst = "10.0.0.1", "10.0.0.2"
    base = UdpHeader(1000, 2000).to_bytes(b"\x00\x00")
    c = ref_checksum(bytes(pseudo_header(src, dst, 17, len(base))) + base)
    # choose the 2 payload bytes so that the one's-complement sum becomes 0xFFFF → checksum 0
    payload = c.to_bytes(2, "big")
    dg = UdpHeader(1000, 2000).to_bytes(payload)
    assert ref_checksum(pseudo_header(src, dst, 17, len(dg)) + dg) == 0
    assert udp_checksum(src, dst, dg) == 0xFFFF
    assert verify_udp_checksum(src, dst, UdpHeader(1000, 2000).to_bytes(payload, src=src, dst=dst))


def test_udp_checksum_optional_only_on_ipv4():
    dg = UdpHeader(1, 2).to_bytes(b"x")
    assert verify_udp_checksum("10.0.0.1", "10.0.0.2", dg)
    assert not verify_udp_checksum("::1", "::2", dg)


# ---------------------------------------------------------------------------
# scapy as an independent implementation
# ---------------------------------------------------------------------------
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
v4 = st.ip_addresses(v=4).map(str)
v6 = st.ip_addresses(v=6).map(str)

option = st.one_of(
    st.builds(Mss, u16),
    st.builds(WindowScale, st.integers(0, 14)),
    st.just(SackPermitted()),
    st.just(Nop()),
    st.builds(Timestamps, u32, u32),
    st.builds(Sack, st.lists(st.tuples(u32, u32), min_size=1, max_size=3).map(tuple)),
)


@st.composite
def headers(draw):
    opts: list = []
    room = 40
    for o in draw(st.lists(option, max_size=6)):
        if o.length <= room:
            opts.append(o)
            room -= o.length
    return TcpHeader(
        draw(u16), draw(u16), seq=draw(u32), ack=draw(u32), flags=draw(st.integers(0, 255)),
        window=draw(u16), urgent=draw(u16), options=tuple(opts),
    )


def scapy_options(opts):
    out = []
    for o in opts:
        if isinstance(o, Mss):
            out.append(("MSS", o.value))
        elif isinstance(o, WindowScale):
            out.append(("WScale", o.shift))
        elif isinstance(o, SackPermitted):
            out.append(("SAckOK", b""))
        elif isinstance(o, Nop):
            out.append(("NOP", None))
        elif isinstance(o, Timestamps):
            out.append(("Timestamp", (o.tsval, o.tsecr)))
        elif isinstance(o, Sack):
            out.append(("SAck", tuple(x for blk in o.blocks for x in blk)))
    return out


def _strip_eol(opts):
    opts = list(opts)
    while opts and opts[-1][0] == "EOL":
        opts.pop()
    return opts


@given(headers(), st.binary(max_size=64), st.one_of(st.tuples(v4, v4), st.tuples(v6, v6)))
@HYP
def test_tcpkit_to_scapy(h, payload, addrs):
    src, dst = addrs
    seg = h.to_bytes(payload, src=src, dst=dst)
    p = TCP(seg)
    assert (p.sport, p.dport, p.seq, p.ack) == (h.src_port, h.dst_port, h.seq, h.ack)
    assert (p.dataofs, p.window, p.urgptr) == (h.data_offset, h.window, h.urgent)
    assert int(p.flags) & 0xFF == h.flags
    assert _strip_eol(p.options) == scapy_options(h.options)
    assert bytes(p.payload) == payload
    zeroed = seg[:16] + b"\0\0" + seg[18:]
    if ":" in src:
        ref = in6_chksum(6, IPv6(src=src, dst=dst), zeroed)
    else:
        ref = in4_chksum(6, IP(src=src, dst=dst), zeroed)
    assert p.chksum == ref


@given(headers(), st.binary(max_size=64), st.one_of(st.tuples(v4, v4), st.tuples(v6, v6)))
@HYP
def test_scapy_to_tcpkit(h, payload, addrs):
    src, dst = addrs
    ip = IPv6(src=src, dst=dst) if ":" in src else IP(src=src, dst=dst)
    pkt = ip / TCP(sport=h.src_port, dport=h.dst_port, seq=h.seq, ack=h.ack, flags=h.flags,
                   window=h.window, urgptr=h.urgent, options=scapy_options(h.options)) / Raw(payload)
    raw = bytes(pkt)
    seg = raw[40:] if ":" in src else raw[20:]
    parsed = parse_tcp(seg)
    g = parsed.header
    assert (g.src_port, g.dst_port, g.seq, g.ack, g.flags, g.window, g.urgent) == (
        h.src_port, h.dst_port, h.seq, h.ack, h.flags, h.window, h.urgent)
    assert g.options == h.options
    assert parsed.payload == payload
    assert verify_tcp_checksum(src, dst, seg)
    assert tcp_checksum(src, dst, seg) == g.checksum == TCP(seg).chksum
    # and our encoder reproduces scapy's bytes exactly
    assert g.to_bytes(payload) == seg


@given(u16, u16, st.binary(max_size=200), st.one_of(st.tuples(v4, v4), st.tuples(v6, v6)))
@HYP
def test_udp_against_scapy(sport, dport, payload, addrs):
    src, dst = addrs
    ip = IPv6(src=src, dst=dst) if ":" in src else IP(src=src, dst=dst)
    raw = bytes(ip / UDP(sport=sport, dport=dport) / Raw(payload))
    dg = raw[40:] if ":" in src else raw[20:]
    ours = UdpHeader(sport, dport).to_bytes(payload, src=src, dst=dst)
    assert ours == dg
    d = parse_udp(dg)
    assert (d.header.src_port, d.header.dst_port, d.header.length) == (sport, dport, 8 + len(payload))
    assert d.payload == payload
    assert udp_checksum(src, dst, dg) == UDP(dg).chksum


@given(headers(), st.binary(max_size=32))
@HYP
def test_roundtrip(h, payload):
    seg = h.to_bytes(payload)
    p = parse_tcp(seg)
    assert p.header == h and p.payload == payload
    assert p.header.to_bytes(payload) == seg


def test_eol_and_raw_option_roundtrip():
    h = TcpHeader(1, 2, options=(Mss(1460), Eol()))
    seg = h.to_bytes()
    assert seg[20:] == bytes.fromhex("020405b4") + b"\0" * 4
    assert parse_tcp(seg).header.options == (Mss(1460),)
    assert parse_tcp(seg).header.data_offset == 7
    r = TcpHeader(1, 2, options=(RawOption(34, b"\x01" * 8),))
    assert TCP(r.to_bytes()).options[0][0] in ("TFO", 34)
    assert parse_tcp(r.to_bytes()).header.options == (RawOption(34, b"\x01" * 8),)


def test_linux_style_syn_options_layout():
    h = TcpHeader(1, 2, flags=TcpFlag.SYN, options=(Mss(1460), SackPermitted(), Timestamps(7, 0), Nop(), WindowScale(7)))
    assert h.data_offset == 10
    spans = tcp_layout(h)
    assert sum(s.bits for s in spans) == 8 * h.header_length
    assert [s.bit_offset for s in spans] == sorted(s.bit_offset for s in spans)
    assert [s.bits for s in udp_layout(UdpHeader(1, 2), 4)] == [16, 16, 16, 16]


# ---------------------------------------------------------------------------
# bad input: exact messages
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, msg",
    [
        ({"src_port": 70000}, "src_port must be in [0, 65535], got 70000"),
        ({"dst_port": -1}, "dst_port must be in [0, 65535], got -1"),
        ({"seq": 2**32}, "seq must be in [0, 4294967295], got 4294967296"),
        ({"ack": -5}, "ack must be in [0, 4294967295], got -5"),
        ({"flags": 256}, "flags must be in [0, 255], got 256"),
        ({"window": 65536}, "window must be in [0, 65535], got 65536"),
        ({"checksum": 70000}, "checksum must be in [0, 65535], got 70000"),
        ({"urgent": 65536}, "urgent must be in [0, 65535], got 65536"),
        ({"reserved": 16}, "reserved must be in [0, 15], got 16"),
        ({"data_offset": 4}, "data_offset must be in [5, 15], got 4"),
        ({"data_offset": 16}, "data_offset must be in [5, 15], got 16"),
        ({"data_offset": 5, "options": (Mss(1),)}, "data_offset must be at least 6 to hold 4 bytes of options, got 5"),
        ({"options": (Timestamps(1),) * 5}, "options must fit in 40 bytes (data_offset ≤ 15), got 50 bytes"),
    ],
)
def test_tcp_header_messages(kwargs, msg):
    base = {"src_port": 1, "dst_port": 2}
    base.update(kwargs)
    with pytest.raises(ValueError) as e:
        TcpHeader(**base)
    assert str(e.value) == msg


def test_tcp_header_type_errors():
    with pytest.raises(TypeError, match="src_port must be an integer"):
        TcpHeader("80", 2)
    with pytest.raises(TypeError, match=r"options\[0\] must be a TcpOption"):
        TcpHeader(1, 2, options=(("MSS", 1460),))


@pytest.mark.parametrize(
    "make, msg",
    [
        (lambda: Mss(70000), "value must be in [0, 65535], got 70000"),
        (lambda: WindowScale(256), "shift must be in [0, 255], got 256"),
        (lambda: Timestamps(-1), "tsval must be in [0, 4294967295], got -1"),
        (lambda: Timestamps(1, 2**32), "tsecr must be in [0, 4294967295], got 4294967296"),
        (lambda: Sack(()), "len(blocks) must be in [1, 4], got 0"),
        (lambda: Sack(((1, 2),) * 5), "len(blocks) must be in [1, 4], got 5"),
        (lambda: Sack(((1, 2, 3),)), "blocks[0] must be a (left_edge, right_edge) pair, got (1, 2, 3)"),
        (lambda: Sack(((1, 2**32),)), "blocks[0][1] must be in [0, 4294967295], got 4294967296"),
        (lambda: RawOption(2, b""), "kind must not be one of [0, 1, 2, 3, 4, 5, 8] (use Mss), got 2"),
        (lambda: RawOption(99, b"x" * 39), "len(data) must be in [0, 38], got 39"),
        (lambda: UdpHeader(1, 70000), "dst_port must be in [0, 65535], got 70000"),
        (lambda: UdpHeader(1, 2, length=7), "length must be in [8, 65535], got 7"),
        (lambda: UdpHeader(1, 2, length=9).to_bytes(b"xy"), "length must equal 8 + len(payload) = 10, got 9"),
        (lambda: pseudo_header("10.0.0.1", "::1", 6, 20), "src and dst must be the same IP version, got IPv4 and IPv6"),
        (lambda: pseudo_header("10.0.0.300", "10.0.0.1", 6, 20), "src must be an IPv4 or IPv6 address, got '10.0.0.300'"),
        (lambda: pseudo_header("10.0.0.1", "10.0.0.2", 6, 70000), "length must be in [0, 65535], got 70000"),
        (lambda: tcp_checksum("10.0.0.1", "10.0.0.2", b"\0" * 19), "segment must be at least 20 bytes (a TCP header), got 19"),
        (lambda: udp_checksum("10.0.0.1", "10.0.0.2", b"\0" * 7), "datagram must be at least 8 bytes (a UDP header), got 7"),
        (lambda: TcpHeader(1, 2).to_bytes(src="10.0.0.1"), "src and dst must be given together (both or neither)"),
    ],
)
def test_other_messages(make, msg):
    with pytest.raises(ValueError) as e:
        make()
    assert str(e.value) == msg


SYN = bytes.fromhex("9c400050000003e8000000005002faf0283d0000")


@pytest.mark.parametrize(
    "data, msg",
    [
        (SYN[:12], "TCP header truncated: need at least 20 bytes, got 12"),
        (SYN[:12] + b"\x40" + SYN[13:], "TCP data offset (byte 12, high 4 bits) must be in [5, 15], got 4"),
        (SYN[:12] + b"\x60" + SYN[13:], "TCP data offset (byte 12) says the header is 24 bytes, but only 20 bytes are present"),
        (SYN[:12] + b"\x60" + SYN[13:] + bytes.fromhex("020305b4"),
         "TCP option MSS (kind 2) at byte 20: length must be 4, got 3"),
        (SYN[:12] + b"\x60" + SYN[13:] + bytes.fromhex("01010103"),
         "TCP option WS (kind 3) at byte 23: length byte missing (header ends at byte 24)"),
        (SYN[:12] + b"\x60" + SYN[13:] + bytes.fromhex("01080a00"),
         "TCP option TS (kind 8) at byte 21: length 10 runs past the end of the header (byte 24)"),
        (SYN[:12] + b"\x70" + SYN[13:] + bytes.fromhex("0509") + b"\0" * 6,
         "TCP option SACK (kind 5) at byte 20: length must be 10, 18, 26 or 34 (2 + 8 per block), got 9"),
        (SYN[:12] + b"\x60" + SYN[13:] + bytes.fromhex("63010000"),
         "TCP option option kind 99 at byte 20: length must be at least 2, got 1"),
    ],
)
def test_parse_tcp_rejects(data, msg):
    with pytest.raises(ValueError) as e:
        parse_tcp(data)
    assert str(e.value) == msg


@pytest.mark.parametrize(
    "data, msg",
    [
        (b"\0" * 7, "UDP header truncated: need 8 bytes, got 7"),
        (bytes.fromhex("0001000200070000"), "UDP length (bytes 4-5) must be at least 8, got 7"),
        (bytes.fromhex("000100020010000041"), "UDP length (bytes 4-5) is 16 but only 9 bytes are present"),
    ],
)
def test_parse_udp_rejects(data, msg):
    with pytest.raises(ValueError) as e:
        parse_udp(data)
    assert str(e.value) == msg


def test_parse_udp_ignores_bytes_beyond_length():
    assert parse_udp(bytes.fromhex("000100020009000041ffff")).payload == b"A"


@given(st.integers().filter(lambda p: not 0 <= p <= 0xFFFF))
@HYP
def test_bad_ports_named(p):
    with pytest.raises(ValueError, match=r"^src_port must be in \[0, 65535\]"):
        TcpHeader(p, 80)
    with pytest.raises(ValueError, match=r"^dst_port must be in \[0, 65535\]"):
        UdpHeader(53, p)


@given(st.binary(max_size=80))
@HYP
def test_parser_never_crashes_otherwise(data):
    # arbitrary bytes either parse or raise ValueError — never another exception
    try:
        seg = parse_tcp(data)
    except ValueError:
        return
    assert seg.header.header_length <= len(data)


@given(st.binary(max_size=40))
@HYP
def test_options_parser_total(data):
    try:
        opts = parse_options(data)
    except ValueError as e:
        assert "TCP option" in str(e)
        return
    assert sum(o.length for o in opts) <= len(data)


# ---------------------------------------------------------------------------
# the real kernel: capture a Linux SYN on loopback and parse it
# ---------------------------------------------------------------------------
@pytest.mark.kernel
def test_parse_real_linux_syn_on_loopback():
    from basics_capture import LoopbackCapture

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    cli = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        port = srv.getsockname()[1]
        with LoopbackCapture(port) as cap:
            cli.connect(("127.0.0.1", port))
            segs = cap.segments(want=3)
        syn = next(s for s in segs if s.header.flags == TcpFlag.SYN)
        h = syn.header
        assert h.dst_port == port and h.src_port == cli.getsockname()[1]
        kinds = [type(o).__name__ for o in h.options]
        # Linux's SYN layout: MSS, SACK-Permitted, Timestamps, NOP, Window Scale (tcp_options_write)
        assert kinds == ["Mss", "SackPermitted", "Timestamps", "Nop", "WindowScale"]
        assert h.options[0] == Mss(65495)  # loopback MTU 65536 − 40
        assert h.data_offset == 10 and h.flag_text == "SYN"
        assert parse_tcp(h.to_bytes()).header == h  # our encoder reproduces the kernel's header
        synack = next(s for s in segs if s.header.flags == TcpFlag.SYN | TcpFlag.ACK)
        assert synack.header.ack == (h.seq + 1) % 2**32
    finally:
        cli.close()
        srv.close()


# -- options: the struct layout of each fixed-size option gives its field ranges and length byte --------------
def test_fixed_option_lengths_are_those_of_the_rfcs():
    from tcpkit.segment import _FIXED_LEN

    # RFC 9293 §3.2 (MSS 4), RFC 7323 §2.2 (WS 3) and §3.2 (TS 10), RFC 2018 §2 (SACK-Permitted 2)
    assert _FIXED_LEN == {2: 4, 3: 3, 4: 2, 8: 10}
    for opt in (Mss(1460), WindowScale(7), SackPermitted(), Timestamps(1, 2)):
        assert opt.length == _FIXED_LEN[opt.kind] == opt.to_bytes()[1]


@given(st.integers(-(2**40), 2**40))
def test_option_fields_accept_exactly_their_wire_width(v):
    for make, name, bits in ((Mss, "value", 16), (WindowScale, "shift", 8),
                             (lambda x: Timestamps(x), "tsval", 32), (lambda x: Timestamps(0, x), "tsecr", 32)):
        hi = (1 << bits) - 1
        if 0 <= v <= hi:
            opt = make(v)
            assert parse_options(opt.to_bytes()) == (opt,)
        else:
            with pytest.raises(ValueError) as ei:
                make(v)
            assert str(ei.value) == f"{name} must be in [0, {hi}], got {v}"


@given(st.one_of(st.floats(), st.text(max_size=3), st.booleans(), st.none()))
def test_option_fields_must_be_integers(v):
    with pytest.raises(TypeError, match="^value must be an integer, got "):
        Mss(v)
