"""TCP and UDP headers, TCP options and the Internet checksum, to and from real bytes.

>>> parse_tcp(TcpHeader(40000, 80, seq=1000, flags=TcpFlag.SYN, window=64240).to_bytes()).header.flag_text
'SYN'

Everything here is pure: a header is a frozen dataclass, :meth:`TcpHeader.to_bytes`
turns it into the exact wire bytes (RFC 9293 §3.1 for TCP, RFC 768 for UDP), and
:func:`parse_tcp` / :func:`parse_udp` turn bytes back into headers. Parsing refuses
truncated or inconsistent bytes with a :class:`ValueError` that names the field
and the byte offset. Checksums follow RFC 1071 over the IPv4 (RFC 9293 §3.1) or
IPv6 (RFC 8200 §8.1) pseudo-header; addresses may be strings or
:mod:`ipaddress` objects.

The layout tables :data:`TCP_FIELDS` and :data:`UDP_FIELDS` (one row per field,
with its bit offset and width) drive the byte-grid figure and the field table in
the book, so the figure, the table and the encoder cannot disagree.
"""

from __future__ import annotations

import enum
import ipaddress
import struct
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import ClassVar, TypeVar

from ._validate import check_bytes, check_int

__all__ = [
    "TcpFlag",
    "TcpOption",
    "Eol",
    "Nop",
    "Mss",
    "WindowScale",
    "SackPermitted",
    "Sack",
    "Timestamps",
    "RawOption",
    "TcpHeader",
    "TcpSegment",
    "UdpHeader",
    "UdpDatagram",
    "FieldSpec",
    "FieldSpan",
    "TCP_FIELDS",
    "UDP_FIELDS",
    "MAX_OPTION_BYTES",
    "internet_checksum",
    "pseudo_header",
    "tcp_checksum",
    "udp_checksum",
    "verify_tcp_checksum",
    "verify_udp_checksum",
    "parse_tcp",
    "parse_udp",
    "parse_options",
    "tcp_layout",
    "udp_layout",
    "HeaderPair",
    "header_pair",
]

Address = str | ipaddress.IPv4Address | ipaddress.IPv6Address

#: Options fit in 40 bytes: data offset ≤ 15 words = 60 bytes, minus the fixed 20
#: (RFC 9293 §3.1; Linux ``MAX_TCP_OPTION_SPACE``).
MAX_OPTION_BYTES = 40

PROTO_TCP = 6
PROTO_UDP = 17


class TcpFlag(enum.IntFlag):
    """The eight TCP control bits in byte 13 (RFC 9293 §3.1; ECE/CWR from RFC 3168).

    The values are Linux's ``TCPHDR_*`` constants (``include/net/tcp.h``).

    >>> int(TcpFlag.SYN | TcpFlag.ACK)
    18
    """

    FIN = 0x01
    SYN = 0x02
    RST = 0x04
    PSH = 0x08
    ACK = 0x10
    URG = 0x20
    ECE = 0x40
    CWR = 0x80


#: Display order of flag names ("SYN+ACK", "PSH+ACK", "FIN+ACK").
_FLAG_ORDER = (TcpFlag.FIN, TcpFlag.SYN, TcpFlag.RST, TcpFlag.PSH, TcpFlag.ACK, TcpFlag.URG, TcpFlag.ECE, TcpFlag.CWR)


# ---------------------------------------------------------------------------
# options
# ---------------------------------------------------------------------------
class TcpOption:
    """Base class of the TCP options; each subclass is a frozen dataclass.

    ``kind`` is the option kind byte, ``name`` a short label, and
    :meth:`to_bytes` the exact kind–length–value encoding (RFC 9293 §3.2).
    A fixed-size option declares its value as a :mod:`struct` ``layout`` of
    its fields (see :func:`_option`); the layout gives the encoding, the
    parser's length check, and the range of every field (an ``H`` field is
    16 bits, so in [0, 65535]).
    """

    __slots__ = ()
    kind: ClassVar[int]
    name: ClassVar[str]
    #: :mod:`struct` codes of the value (one per field), or None for a variable-length value.
    layout: ClassVar[str | None] = ""
    #: ``str.format`` template of :attr:`text`, given the option as ``{0}``.
    template: ClassVar[str] = "{0.name}"
    _field_names: ClassVar[tuple[str, ...]] = ()
    _struct: ClassVar[struct.Struct] = struct.Struct("!")
    _limits: ClassVar[tuple[tuple[str, int], ...]] = ()   # (field, largest value its struct code holds)

    def __post_init__(self) -> None:
        for fname, hi in self._limits:
            check_int(fname, getattr(self, fname), lo=0, hi=hi)

    def _value(self) -> bytes:
        """The value bytes that follow kind and length."""
        return self._struct.pack(*[getattr(self, f) for f in self._field_names])

    def to_bytes(self) -> bytes:
        """Kind, length, value; EOL and NOP are the kind byte alone (RFC 9293 §3.2)."""
        if self.kind in _ONE_BYTE_KINDS:
            return bytes((self.kind,))
        value = self._value()
        return bytes((self.kind, 2 + len(value))) + value

    @property
    def length(self) -> int:
        """Bytes this option takes in the header."""
        return len(self.to_bytes())

    @property
    def text(self) -> str:
        """A short human-readable form, e.g. ``'MSS 1460'``."""
        return self.template.format(self)


#: RFC 9293 §3.2: End of Option List and No-Operation have no length byte.
_ONE_BYTE_KINDS = (0, 1)
_O = TypeVar("_O", bound=TcpOption)


def _option(kind: int, name: str, layout: str | None = "", template: str = "{0.name}") -> Callable[[type[_O]], type[_O]]:
    """Class decorator (outside ``@dataclass``): set an option class's kind, name, layout and text template."""

    def setup(cls: type[_O]) -> type[_O]:
        cls.kind, cls.name, cls.layout, cls.template = kind, name, layout, template
        cls._field_names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
        cls._struct = struct.Struct("!" + (layout or ""))
        cls._limits = tuple((f, (1 << 8 * struct.calcsize(code)) - 1) for code, f in zip(layout or "", cls._field_names))
        return cls

    return setup


@_option(0, "EOL")
@dataclass(frozen=True, slots=True)
class Eol(TcpOption):
    """End of Option List (kind 0, one byte). Everything after it is padding (RFC 9293 §3.2)."""


@_option(1, "NOP")
@dataclass(frozen=True, slots=True)
class Nop(TcpOption):
    """No-Operation (kind 1, one byte), used to align the next option (RFC 9293 §3.2)."""


@_option(2, "MSS", "H", "MSS {0.value}")
@dataclass(frozen=True, slots=True)
class Mss(TcpOption):
    """Maximum Segment Size (kind 2, length 4): the largest segment the sender can *receive*.

    Parameters
    ----------
    value : int
        Bytes, in [0, 65535] (a 16-bit field; RFC 9293 §3.7.1, RFC 6691).
    """

    value: int


@_option(3, "WS", "B", "WS {0.shift}")
@dataclass(frozen=True, slots=True)
class WindowScale(TcpOption):
    """Window Scale (kind 3, length 3): shift count for the sender's receive window (RFC 7323 §2).

    Parameters
    ----------
    shift : int
        The wire value, in [0, 255]. RFC 7323 §2.3: a receiver treats a value
        above 14 as 14 (:attr:`effective_shift`; Linux ``TCP_MAX_WSCALE``).
    """

    shift: int

    @property
    def effective_shift(self) -> int:
        """``min(shift, 14)`` (RFC 7323 §2.3)."""
        return min(self.shift, 14)


@_option(4, "SACK_PERM")
@dataclass(frozen=True, slots=True)
class SackPermitted(TcpOption):
    """SACK-Permitted (kind 4, length 2), only in SYN segments (RFC 2018 §2)."""


@_option(5, "SACK", None)
@dataclass(frozen=True, slots=True)
class Sack(TcpOption):
    """SACK blocks (kind 5, length 2 + 8·n): received byte ranges above the cumulative ACK (RFC 2018 §3).

    Parameters
    ----------
    blocks : tuple of (int, int)
        One to four ``(left_edge, right_edge)`` sequence numbers, each in
        [0, 2**32 − 1]; ``right_edge`` is the number *after* the last byte.
        Four blocks fill 34 bytes, so with timestamps (10 bytes) only three fit.
    """

    blocks: tuple[tuple[int, int], ...]

    def __post_init__(self) -> None:
        if not isinstance(self.blocks, tuple):
            object.__setattr__(self, "blocks", tuple(tuple(b) for b in self.blocks))
        check_int("len(blocks)", len(self.blocks), lo=1, hi=4)
        for i, blk in enumerate(self.blocks):
            if len(blk) != 2:
                raise ValueError(f"blocks[{i}] must be a (left_edge, right_edge) pair, got {blk!r}")
            check_int(f"blocks[{i}][0]", blk[0], lo=0, hi=0xFFFFFFFF)
            check_int(f"blocks[{i}][1]", blk[1], lo=0, hi=0xFFFFFFFF)

    def _value(self) -> bytes:
        return b"".join(struct.pack("!II", a, b) for a, b in self.blocks)

    @property
    def text(self) -> str:
        return "SACK " + " ".join(f"{a}-{b}" for a, b in self.blocks)


@_option(8, "TS", "II", "TS {0.tsval}/{0.tsecr}")
@dataclass(frozen=True, slots=True)
class Timestamps(TcpOption):
    """Timestamps (kind 8, length 10): TSval and TSecr, for RTTM and PAWS (RFC 7323 §3).

    Parameters
    ----------
    tsval, tsecr : int
        32-bit values in [0, 2**32 − 1] (units are the sender's clock ticks; Linux: ms).
    """

    tsval: int
    tsecr: int = 0


_KNOWN: dict[int, type[TcpOption]] = {c.kind: c for c in (Eol, Nop, Mss, WindowScale, SackPermitted, Sack, Timestamps)}
#: The length byte each fixed-size option must carry: 2 + the size of its layout.
_FIXED_LEN = {k: 2 + struct.calcsize("!" + c.layout) for k, c in _KNOWN.items()
              if c.layout is not None and k not in _ONE_BYTE_KINDS}


@dataclass(frozen=True, slots=True)
class RawOption(TcpOption):
    """Any other option, kept as kind + value bytes (e.g. TFO kind 34, MPTCP kind 30).

    Parameters
    ----------
    kind : int
        In [0, 255] but not one of the kinds this module models (0, 1, 2, 3, 4, 5, 8).
    data : bytes
        The value bytes, at most 38 (the length byte counts kind + length + data).
    """

    kind: int  # type: ignore[misc]
    data: bytes = b""
    name: ClassVar[str] = "opt"
    layout: ClassVar[str | None] = None
    template: ClassVar[str] = "kind {0.kind}"

    def __post_init__(self) -> None:
        check_int("kind", self.kind, lo=0, hi=0xFF)
        if self.kind in _KNOWN:
            raise ValueError(f"kind must not be one of {sorted(_KNOWN)} (use {_KNOWN[self.kind].__name__}), got {self.kind}")
        object.__setattr__(self, "data", check_bytes("data", self.data))
        check_int("len(data)", len(self.data), lo=0, hi=MAX_OPTION_BYTES - 2)

    def _value(self) -> bytes:
        return self.data


def _opt_label(kind: int) -> str:
    cls = _KNOWN.get(kind)
    return f"{cls.name} (kind {kind})" if cls else f"option kind {kind}"


def parse_options(data: bytes, *, offset: int = 20) -> tuple[TcpOption, ...]:
    """Parse the options area of a TCP header (the bytes after the fixed 20).

    Parsing stops at EOL; the bytes after it are padding and the EOL itself is not
    returned (RFC 9293 §3.2: "the end of the option list … padding").

    Parameters
    ----------
    data : bytes
        The options area only (``header[20:4*data_offset]``), 0–40 bytes.
    offset : int
        Byte offset of ``data`` inside the header, used in error messages.

    Returns
    -------
    tuple of TcpOption

    Raises
    ------
    ValueError
        A length byte is missing, smaller than 2, runs past the header, or is
        wrong for the kind (MSS 4, WS 3, SACK-Permitted 2, SACK 10/18/26/34,
        Timestamps 10); the message names the option and its byte offset.

    Examples
    --------
    >>> parse_options(bytes.fromhex("020405b4010303070000"))
    (Mss(value=1460), Nop(), WindowScale(shift=7))
    >>> parse_options(bytes.fromhex("020305b4"))
    Traceback (most recent call last):
    ...
    ValueError: TCP option MSS (kind 2) at byte 20: length must be 4, got 3
    """
    data = check_bytes("data", data)
    opts: list[TcpOption] = []
    i, n = 0, len(data)
    while i < n:
        kind = data[i]
        at = offset + i
        if kind == 0:
            break
        if kind == 1:
            opts.append(Nop())
            i += 1
            continue
        label = _opt_label(kind)
        if i + 1 >= n:
            raise ValueError(f"TCP option {label} at byte {at}: length byte missing (header ends at byte {offset + n})")
        length = data[i + 1]
        if kind in _FIXED_LEN and length != _FIXED_LEN[kind]:
            raise ValueError(f"TCP option {label} at byte {at}: length must be {_FIXED_LEN[kind]}, got {length}")
        if kind == 5 and (length < 10 or (length - 2) % 8 or length > 34):
            raise ValueError(f"TCP option {label} at byte {at}: length must be 10, 18, 26 or 34 (2 + 8 per block), got {length}")
        if length < 2:
            raise ValueError(f"TCP option {label} at byte {at}: length must be at least 2, got {length}")
        if i + length > n:
            raise ValueError(
                f"TCP option {label} at byte {at}: length {length} runs past the end of the header "
                f"(byte {offset + n})"
            )
        body = data[i + 2 : i + length]
        if kind in _FIXED_LEN:         # MSS, WS, SACK-Permitted, Timestamps: the layout decodes the value
            cls = _KNOWN[kind]
            opts.append(cls(*cls._struct.unpack(body)))
        elif kind == 5:
            vals = struct.unpack(f"!{len(body) // 4}I", body)
            opts.append(Sack(tuple((vals[j], vals[j + 1]) for j in range(0, len(vals), 2))))
        else:
            opts.append(RawOption(kind, bytes(body)))
        i += length
    return tuple(opts)


# ---------------------------------------------------------------------------
# checksum
# ---------------------------------------------------------------------------
def internet_checksum(data: bytes) -> int:
    """The 16-bit Internet checksum of ``data`` (RFC 1071).

    One's-complement sum of the big-endian 16-bit words (an odd length is padded
    with one zero byte, which is not sent), carries folded back in, then inverted.

    Parameters
    ----------
    data : bytes
        Any length.

    Returns
    -------
    int
        In [0, 0xFFFF]. Summing ``data`` *with* this checksum appended (at an even
        offset) gives 0xFFFF, i.e. ``internet_checksum(data + cks) == 0``.

    Notes
    -----
    RFC 1071 §1–§2 (and its numerical example in §3: words 0001 f203 f4f5 f6f7
    sum to 0xddf2, so the checksum is 0x220d).

    Examples
    --------
    >>> hex(internet_checksum(bytes.fromhex("0001f203f4f5f6f7")))
    '0x220d'
    >>> internet_checksum(bytes.fromhex("0001f203f4f5f6f7220d"))
    0
    """
    b = check_bytes("data", data)
    if len(b) % 2:
        b += b"\x00"
    s: int = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def _addr(name: str, a: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    if isinstance(a, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return a
    if not isinstance(a, str):
        raise TypeError(f"{name} must be an IP address string or ipaddress object, got {type(a).__name__} {a!r}")
    try:
        return ipaddress.ip_address(a)
    except ValueError:
        raise ValueError(f"{name} must be an IPv4 or IPv6 address, got {a!r}") from None


def pseudo_header(src: Address, dst: Address, protocol: int, length: int) -> bytes:
    """The pseudo-header that TCP and UDP checksums cover.

    Parameters
    ----------
    src, dst : str or ipaddress.IPv4Address or ipaddress.IPv6Address
        Source and destination addresses, both of the same IP version.
    protocol : int
        6 (TCP) or 17 (UDP), in [0, 255].
    length : int
        Length of the TCP segment / UDP datagram in bytes (header + data):
        [0, 65535] for IPv4, [0, 2**32 − 1] for IPv6.

    Returns
    -------
    bytes
        IPv4: 12 bytes ``src · dst · 0 · protocol · length(16)`` (RFC 9293 §3.1,
        Linux ``struct tcp4_pseudohdr``). IPv6: 40 bytes ``src · dst · length(32)
        · 0(24) · next header`` (RFC 8200 §8.1).

    Raises
    ------
    ValueError
        Unparseable address, mixed IP versions, or ``length`` out of range.

    Examples
    --------
    >>> pseudo_header("192.0.2.1", "198.51.100.7", 6, 20).hex()
    'c0000201c633640700060014'
    """
    s, d = _addr("src", src), _addr("dst", dst)
    if s.version != d.version:
        raise ValueError(f"src and dst must be the same IP version, got IPv{s.version} and IPv{d.version}")
    check_int("protocol", protocol, lo=0, hi=255)
    if s.version == 4:
        check_int("length", length, lo=0, hi=0xFFFF)
        return s.packed + d.packed + struct.pack("!BBH", 0, protocol, length)
    check_int("length", length, lo=0, hi=0xFFFFFFFF)
    return s.packed + d.packed + struct.pack("!I3xB", length, protocol)


def _packet(name: str, data: bytes, header: int, proto: str) -> bytes:
    """``data`` as bytes, checked to hold at least a ``header``-byte ``proto`` header."""
    b = check_bytes(name, data)
    if len(b) < header:
        raise ValueError(f"{name} must be at least {header} bytes (a {proto} header), got {len(b)}")
    return b


def tcp_checksum(src: Address, dst: Address, segment: bytes) -> int:
    """The TCP checksum of ``segment`` (header + data) between ``src`` and ``dst``.

    The checksum field (bytes 16–17) of ``segment`` is treated as zero, so the
    function can be called on a segment that already carries a checksum.

    Parameters
    ----------
    src, dst : str or ipaddress object
        IPv4 or IPv6 addresses (same version).
    segment : bytes
        The whole TCP segment, at least 20 bytes.

    Returns
    -------
    int
        The value to put in the checksum field, in [0, 0xFFFF].

    Raises
    ------
    ValueError
        If ``segment`` is shorter than 20 bytes, or an address does not parse or
        the two are of different IP versions (see :func:`pseudo_header`).
    TypeError
        If ``segment`` is not bytes-like.

    Notes
    -----
    RFC 9293 §3.1 ("Checksum"), RFC 1071; IPv6 pseudo-header RFC 8200 §8.1.
    Worked example from the fact sheet §8.3: a bare SYN 192.0.2.1:40000 →
    198.51.100.7:80, seq 1000, window 64240 has checksum 0x283d.

    Examples
    --------
    >>> syn = TcpHeader(40000, 80, seq=1000, flags=TcpFlag.SYN, window=64240).to_bytes()
    >>> hex(tcp_checksum("192.0.2.1", "198.51.100.7", syn))
    '0x283d'
    """
    seg = _packet("segment", segment, 20, "TCP")
    zeroed = seg[:16] + b"\x00\x00" + seg[18:]
    return internet_checksum(pseudo_header(src, dst, PROTO_TCP, len(seg)) + zeroed)


def udp_checksum(src: Address, dst: Address, datagram: bytes) -> int:
    """The UDP checksum of ``datagram`` (header + data), as it is sent.

    The checksum field (bytes 6–7) is treated as zero. A computed value of 0 is
    returned as 0xFFFF, because 0 on the wire means "no checksum" (RFC 768;
    RFC 8200 §8.1 keeps the same rule for IPv6, where the checksum is mandatory).

    Parameters
    ----------
    src, dst : str or ipaddress object
        IPv4 or IPv6 addresses (same version).
    datagram : bytes
        The UDP datagram, at least 8 bytes.

    Returns
    -------
    int
        In [1, 0xFFFF].

    Raises
    ------
    ValueError
        If ``datagram`` is shorter than 8 bytes, or the addresses are bad (as in
        :func:`tcp_checksum`).
    TypeError
        If ``datagram`` is not bytes-like.

    Examples
    --------
    >>> d = UdpHeader(5353, 53).to_bytes(b"hi")
    >>> hex(udp_checksum("192.0.2.1", "198.51.100.7", d))
    '0x9616'
    """
    dg = _packet("datagram", datagram, 8, "UDP")
    zeroed = dg[:6] + b"\x00\x00" + dg[8:]
    c = internet_checksum(pseudo_header(src, dst, PROTO_UDP, len(dg)) + zeroed)
    return c or 0xFFFF


def verify_tcp_checksum(src: Address, dst: Address, segment: bytes) -> bool:
    """True if the checksum carried in ``segment`` is right.

    Parameters
    ----------
    src, dst : str or ipaddress object
        IPv4 or IPv6 addresses (same version) the segment travelled between.
    segment : bytes
        The whole TCP segment as received, at least 20 bytes.

    Returns
    -------
    bool

    Raises
    ------
    ValueError, TypeError
        As :func:`tcp_checksum`, for the same ``segment`` and addresses.

    Notes
    -----
    RFC 1071 §1: the receiver sums everything *including* the checksum; the
    one's-complement sum is 0xFFFF (its complement 0) exactly when it matches.

    Examples
    --------
    >>> seg = TcpHeader(1, 2, flags=TcpFlag.ACK).to_bytes(b"data", src="10.0.0.1", dst="10.0.0.2")
    >>> verify_tcp_checksum("10.0.0.1", "10.0.0.2", seg), verify_tcp_checksum("10.0.0.1", "10.0.0.3", seg)
    (True, False)
    """
    seg = _packet("segment", segment, 20, "TCP")
    return internet_checksum(pseudo_header(src, dst, PROTO_TCP, len(seg)) + seg) == 0


def verify_udp_checksum(src: Address, dst: Address, datagram: bytes) -> bool:
    """True if the UDP checksum is right, or absent (0) over IPv4.

    Parameters
    ----------
    src, dst : str or ipaddress object
        IPv4 or IPv6 addresses (same version).
    datagram : bytes
        The UDP datagram as received, at least 8 bytes.

    Returns
    -------
    bool
        A zero checksum field means "not computed": accepted over IPv4
        (RFC 768), refused over IPv6 where the checksum is mandatory
        (RFC 8200 §8.1).

    Raises
    ------
    ValueError, TypeError
        As :func:`udp_checksum`: a datagram under 8 bytes or bad addresses.

    Examples
    --------
    >>> verify_udp_checksum("10.0.0.1", "10.0.0.2", UdpHeader(1, 2).to_bytes(b"x"))   # checksum 0 over IPv4
    True
    >>> verify_udp_checksum("::1", "::2", UdpHeader(1, 2).to_bytes(b"x"))             # … not over IPv6
    False
    """
    dg = _packet("datagram", datagram, 8, "UDP")
    if dg[6:8] == b"\x00\x00":
        return _addr("src", src).version == 4
    return internet_checksum(pseudo_header(src, dst, PROTO_UDP, len(dg)) + dg) == 0


# ---------------------------------------------------------------------------
# TCP header
# ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TcpHeader:
    """A TCP header (RFC 9293 §3.1), fields as on the wire.

    Parameters
    ----------
    src_port, dst_port : int
        In [0, 65535].
    seq, ack : int
        Sequence and acknowledgment numbers, in [0, 2**32 − 1].
    flags : int or TcpFlag
        The control-bit byte, in [0, 255] (CWR ECE URG ACK PSH RST SYN FIN).
    window : int
        Receive window, in [0, 65535] (unscaled wire value).
    checksum : int
        In [0, 65535]; written as is unless :meth:`to_bytes` gets addresses.
    urgent : int
        Urgent pointer, in [0, 65535].
    options : tuple of TcpOption
        At most 40 bytes in total; padded with zero bytes to a 4-byte boundary.
    data_offset : int or None
        Header length in 32-bit words, in [5, 15]; ``None`` = the smallest that
        holds the options. Filled in on construction.
    reserved : int
        The 4 reserved bits of byte 12, in [0, 15] (bit 0 was NS, RFC 3540, now
        historic). Must be zero when sent (RFC 9293 §3.1).

    Raises
    ------
    ValueError
        Any field out of range, options longer than 40 bytes, or a
        ``data_offset`` too small for the options. The message names the field.
    TypeError
        A non-integer field or an option that is not a :class:`TcpOption`.

    Examples
    --------
    >>> h = TcpHeader(40000, 80, seq=1000, flags=TcpFlag.SYN, window=64240,
    ...               options=(Mss(1460), SackPermitted(), Timestamps(1, 0), Nop(), WindowScale(7)))
    >>> h.data_offset, h.header_length, h.flag_text
    (10, 40, 'SYN')
    >>> TcpHeader(70000, 80)
    Traceback (most recent call last):
    ...
    ValueError: src_port must be in [0, 65535], got 70000
    """

    src_port: int
    dst_port: int
    seq: int = 0
    ack: int = 0
    flags: int = 0
    window: int = 0
    checksum: int = 0
    urgent: int = 0
    options: tuple[TcpOption, ...] = ()
    data_offset: int | None = None
    reserved: int = 0

    def __post_init__(self) -> None:
        check_int("src_port", self.src_port, lo=0, hi=0xFFFF)
        check_int("dst_port", self.dst_port, lo=0, hi=0xFFFF)
        check_int("seq", self.seq, lo=0, hi=0xFFFFFFFF)
        check_int("ack", self.ack, lo=0, hi=0xFFFFFFFF)
        object.__setattr__(self, "flags", int(check_int("flags", self.flags, lo=0, hi=0xFF)))
        check_int("window", self.window, lo=0, hi=0xFFFF)
        check_int("checksum", self.checksum, lo=0, hi=0xFFFF)
        check_int("urgent", self.urgent, lo=0, hi=0xFFFF)
        check_int("reserved", self.reserved, lo=0, hi=0xF)
        opts = tuple(self.options)
        for i, o in enumerate(opts):
            if not isinstance(o, TcpOption):
                raise TypeError(f"options[{i}] must be a TcpOption, got {type(o).__name__} {o!r}")
        object.__setattr__(self, "options", opts)
        olen = sum(o.length for o in opts)
        if olen > MAX_OPTION_BYTES:
            raise ValueError(
                f"options must fit in {MAX_OPTION_BYTES} bytes (data_offset ≤ 15), got {olen} bytes"
            )
        need = 5 + (olen + 3) // 4
        if self.data_offset is None:
            object.__setattr__(self, "data_offset", need)
        else:
            check_int("data_offset", self.data_offset, lo=5, hi=15)
            if self.data_offset < need:
                raise ValueError(
                    f"data_offset must be at least {need} to hold {olen} bytes of options, got {self.data_offset}"
                )

    @property
    def header_length(self) -> int:
        """Header length in bytes: ``4 * data_offset`` (20–60)."""
        return 4 * int(self.data_offset or 5)

    @property
    def flag_names(self) -> tuple[str, ...]:
        """Names of the set flags, e.g. ``('SYN', 'ACK')``."""
        return tuple(str(f.name) for f in _FLAG_ORDER if self.flags & f)

    @property
    def flag_text(self) -> str:
        """Flags joined with ``+`` as in the book's tables (``'SYN+ACK'``), or ``'—'`` if none."""
        return "+".join(self.flag_names) or "—"

    def option_bytes(self) -> bytes:
        """The options area including zero padding (``header_length − 20`` bytes)."""
        raw = b"".join(o.to_bytes() for o in self.options)
        return raw + b"\x00" * (self.header_length - 20 - len(raw))

    def to_bytes(self, payload: bytes = b"", *, src: Address | None = None, dst: Address | None = None) -> bytes:
        """The segment bytes: header (+ padding) followed by ``payload``.

        Parameters
        ----------
        payload : bytes
            Data carried after the header.
        src, dst : address, optional
            If both are given, the checksum is computed over the pseudo-header
            and written (``self.checksum`` is ignored); otherwise ``self.checksum``
            is written as is.

        Raises
        ------
        ValueError
            Only one of ``src``/``dst`` given, or bad addresses.
        """
        payload = check_bytes("payload", payload)
        fixed = struct.pack(
            "!HHIIBBHHH",
            self.src_port,
            self.dst_port,
            self.seq,
            self.ack,
            (int(self.data_offset or 5) << 4) | self.reserved,
            self.flags,
            self.window,
            self.checksum,
            self.urgent,
        )
        seg = fixed + self.option_bytes() + payload
        if (src is None) != (dst is None):
            raise ValueError("src and dst must be given together (both or neither)")
        if src is not None and dst is not None:
            c = tcp_checksum(src, dst, seg)
            seg = seg[:16] + struct.pack("!H", c) + seg[18:]
        return seg

    def with_checksum(self, src: Address, dst: Address, payload: bytes = b"") -> TcpHeader:
        """A copy with ``checksum`` computed for ``payload`` between ``src`` and ``dst`` (RFC 9293 §3.1).

        Examples
        --------
        >>> hex(TcpHeader(40000, 80, seq=1000, flags=TcpFlag.SYN, window=64240)
        ...     .with_checksum("192.0.2.1", "198.51.100.7").checksum)
        '0x283d'
        """
        return replace(self, checksum=tcp_checksum(src, dst, self.to_bytes(payload)))


@dataclass(frozen=True, slots=True)
class TcpSegment:
    """A parsed TCP segment: its header and the data after it."""

    header: TcpHeader
    payload: bytes = b""


def parse_tcp(data: bytes) -> TcpSegment:
    """Parse a TCP segment (header + data) from bytes.

    Parameters
    ----------
    data : bytes
        The segment as carried in the IP payload.

    Returns
    -------
    TcpSegment
        ``header`` (options without the EOL / padding) and ``payload``.

    Raises
    ------
    ValueError
        Fewer than 20 bytes; data offset below 5 or beyond the available bytes;
        a malformed option. The message names the field and its byte offset.

    Notes
    -----
    RFC 9293 §3.1 layout; Linux rejects ``doff < 5`` the same way
    (``tcp_v4_rcv``: ``if (th->doff < sizeof(struct tcphdr) / 4) goto bad_packet``).

    Examples
    --------
    >>> parse_tcp(bytes.fromhex("9c400050000003e8000000005002faf0283d0000")).header.seq
    1000
    >>> parse_tcp(bytes.fromhex("9c400050000003e8000000004002faf0283d0000"))
    Traceback (most recent call last):
    ...
    ValueError: TCP data offset (byte 12, high 4 bits) must be in [5, 15], got 4
    """
    b = check_bytes("data", data)
    if len(b) < 20:
        raise ValueError(f"TCP header truncated: need at least 20 bytes, got {len(b)}")
    sport, dport, seq, ack, off_res, flags, window, cks, urg = struct.unpack("!HHIIBBHHH", b[:20])
    doff, reserved = off_res >> 4, off_res & 0x0F
    if doff < 5:
        raise ValueError(f"TCP data offset (byte 12, high 4 bits) must be in [5, 15], got {doff}")
    hlen = 4 * doff
    if hlen > len(b):
        raise ValueError(f"TCP data offset (byte 12) says the header is {hlen} bytes, but only {len(b)} bytes are present")
    opts = parse_options(b[20:hlen], offset=20)
    hdr = TcpHeader(sport, dport, seq, ack, flags, window, cks, urg, opts, doff, reserved)
    return TcpSegment(hdr, b[hlen:])


# ---------------------------------------------------------------------------
# UDP header
# ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class UdpHeader:
    """A UDP header (RFC 768): four 16-bit fields, 8 bytes.

    Parameters
    ----------
    src_port : int
        In [0, 65535]; 0 means "no reply port" (RFC 768).
    dst_port : int
        In [0, 65535].
    length : int or None
        Header + data in bytes, in [8, 65535]; ``None`` = computed by
        :meth:`to_bytes` from the payload.
    checksum : int
        In [0, 65535]; 0 = not computed (allowed over IPv4 only).

    Examples
    --------
    >>> UdpHeader(5353, 53).to_bytes(b"hi", src="192.0.2.1", dst="198.51.100.7").hex()
    '14e90035000a96166869'
    """

    src_port: int
    dst_port: int
    length: int | None = None
    checksum: int = 0

    def __post_init__(self) -> None:
        check_int("src_port", self.src_port, lo=0, hi=0xFFFF)
        check_int("dst_port", self.dst_port, lo=0, hi=0xFFFF)
        if self.length is not None:
            check_int("length", self.length, lo=8, hi=0xFFFF)
        check_int("checksum", self.checksum, lo=0, hi=0xFFFF)

    def to_bytes(self, payload: bytes = b"", *, src: Address | None = None, dst: Address | None = None) -> bytes:
        """The datagram bytes; with ``src`` and ``dst`` the checksum is computed and written.

        Raises
        ------
        ValueError
            ``length`` given but not ``8 + len(payload)``; payload too long for the
            16-bit length; only one of ``src``/``dst``.
        """
        payload = check_bytes("payload", payload)
        n = 8 + len(payload)
        if n > 0xFFFF:
            raise ValueError(f"len(payload) must be in [0, 65527] (UDP length is 16 bits), got {len(payload)}")
        if self.length is not None and self.length != n:
            raise ValueError(f"length must equal 8 + len(payload) = {n}, got {self.length}")
        dg = struct.pack("!HHHH", self.src_port, self.dst_port, n, self.checksum) + payload
        if (src is None) != (dst is None):
            raise ValueError("src and dst must be given together (both or neither)")
        if src is not None and dst is not None:
            dg = dg[:6] + struct.pack("!H", udp_checksum(src, dst, dg)) + dg[8:]
        return dg


@dataclass(frozen=True, slots=True)
class UdpDatagram:
    """A parsed UDP datagram."""

    header: UdpHeader
    payload: bytes = b""


def parse_udp(data: bytes) -> UdpDatagram:
    """Parse a UDP datagram from bytes.

    Bytes beyond the UDP ``length`` are ignored, as Linux does
    (``__udp4_lib_rcv`` trims the skb to ``ulen``).

    Raises
    ------
    ValueError
        Fewer than 8 bytes, or a length field below 8 or beyond the bytes present.

    Examples
    --------
    >>> parse_udp(bytes.fromhex("14e90035000a96166869")).payload
    b'hi'
    >>> parse_udp(bytes.fromhex("14e90035000c96166869"))
    Traceback (most recent call last):
    ...
    ValueError: UDP length (bytes 4-5) is 12 but only 10 bytes are present
    """
    b = check_bytes("data", data)
    if len(b) < 8:
        raise ValueError(f"UDP header truncated: need 8 bytes, got {len(b)}")
    sport, dport, length, cks = struct.unpack("!HHHH", b[:8])
    if length < 8:
        raise ValueError(f"UDP length (bytes 4-5) must be at least 8, got {length}")
    if length > len(b):
        raise ValueError(f"UDP length (bytes 4-5) is {length} but only {len(b)} bytes are present")
    return UdpDatagram(UdpHeader(sport, dport, length, cks), b[8:length])


# ---------------------------------------------------------------------------
# layout tables (figure + field table)
# ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One fixed header field: where it sits and what it means."""

    key: str          #: attribute name on the header dataclass
    name: str         #: RFC name
    bit_offset: int   #: from the first bit of the header
    bits: int         #: width
    meaning: str      #: one line in Chinese
    source: str       #: where the rule is defined

    @property
    def byte_offset(self) -> int:
        return self.bit_offset // 8


#: The fixed 20 bytes of the TCP header (RFC 9293 §3.1, Figure 1).
TCP_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("src_port", "Source Port", 0, 16, "源端口", "RFC 9293 §3.1"),
    FieldSpec("dst_port", "Destination Port", 16, 16, "目的端口", "RFC 9293 §3.1"),
    FieldSpec("seq", "Sequence Number", 32, 32, "本段第一个数据字节的序号；SYN 段中为 ISN", "RFC 9293 §3.1, §3.4"),
    FieldSpec("ack", "Acknowledgment Number", 64, 32, "期望收到的下一个字节序号（ACK 位为 1 时有效）", "RFC 9293 §3.1"),
    FieldSpec("data_offset", "Data Offset", 96, 4, "头部长度，以 4 字节为单位（5–15，即 20–60 字节）", "RFC 9293 §3.1"),
    FieldSpec("reserved", "Reserved", 100, 4, "保留位，发送时必须为 0", "RFC 9293 §3.1"),
    FieldSpec("flags", "Control Bits", 104, 8, "CWR ECE URG ACK PSH RST SYN FIN 八个标志位", "RFC 9293 §3.1; RFC 3168 §6.1"),
    FieldSpec("window", "Window", 112, 16, "发送方的接收窗口；SYN 以外的段要按发送方在 SYN 中通告的扩大因子左移", "RFC 9293 §3.1; RFC 7323 §2.2"),
    FieldSpec("checksum", "Checksum", 128, 16, "伪头部 + 头部 + 数据的反码和取反", "RFC 9293 §3.1; RFC 1071"),
    FieldSpec("urgent", "Urgent Pointer", 144, 16, "紧急数据结束位置（URG 位为 1 时有效）", "RFC 9293 §3.1, §3.8.5"),
)

#: The 8 bytes of the UDP header (RFC 768).
UDP_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("src_port", "Source Port", 0, 16, "源端口（可为 0，表示不需要回复）", "RFC 768"),
    FieldSpec("dst_port", "Destination Port", 16, 16, "目的端口", "RFC 768"),
    FieldSpec("length", "Length", 32, 16, "UDP 头部 + 数据的总字节数（≥ 8）", "RFC 768"),
    FieldSpec("checksum", "Checksum", 48, 16, "伪头部 + 头部 + 数据；IPv4 可为 0（未计算），IPv6 必须计算", "RFC 768; RFC 8200 §8.1"),
)


@dataclass(frozen=True, slots=True)
class FieldSpan:
    """One coloured span of a concrete header: a field, an option, or padding."""

    key: str
    name: str
    bit_offset: int
    bits: int
    text: str       #: the value as shown in the figure


def tcp_layout(header: TcpHeader) -> tuple[FieldSpan, ...]:
    """The spans of ``header``'s bytes: the ten fixed fields, each option, and padding.

    Parameters
    ----------
    header : TcpHeader
        Any header; its ``data_offset`` fixes the total length.

    Returns
    -------
    tuple of FieldSpan
        In wire order; the bit widths add up to ``8 * header.header_length``.
        Fixed fields come from :data:`TCP_FIELDS` (RFC 9293 §3.1); options
        are keyed ``opt0``, ``opt1``, …; trailing zero bytes are ``padding``.

    Examples
    --------
    >>> [s.key for s in tcp_layout(TcpHeader(1, 2, options=(WindowScale(7),)))][-2:]
    ['opt0', 'padding']
    """
    spans = []
    for f in TCP_FIELDS:
        v = getattr(header, f.key)
        text = header.flag_text if f.key == "flags" else (f"0x{v:04x}" if f.key == "checksum" else str(v))
        spans.append(FieldSpan(f.key, f.name, f.bit_offset, f.bits, text))
    pos = 160
    for i, o in enumerate(header.options):
        n = 8 * o.length
        spans.append(FieldSpan(f"opt{i}", o.name, pos, n, o.text))
        pos += n
    end = 8 * header.header_length
    if pos < end:
        spans.append(FieldSpan("padding", "Padding", pos, end - pos, "0"))
    return tuple(spans)


def udp_layout(header: UdpHeader, payload_length: int = 0) -> tuple[FieldSpan, ...]:
    """The four spans of a UDP header (RFC 768), as :func:`tcp_layout` does for TCP.

    Parameters
    ----------
    header : UdpHeader
        The header; if its ``length`` is ``None`` it is shown as ``8 + payload_length``.
    payload_length : int
        Bytes of data, used only when ``header.length`` is ``None``.

    Returns
    -------
    tuple of FieldSpan

    Examples
    --------
    >>> [s.text for s in udp_layout(UdpHeader(5353, 53), 2)]
    ['5353', '53', '10', '0x0000']
    """
    length = header.length if header.length is not None else 8 + payload_length
    vals = {"src_port": str(header.src_port), "dst_port": str(header.dst_port), "length": str(length),
            "checksum": f"0x{header.checksum:04x}"}
    return tuple(FieldSpan(f.key, f.name, f.bit_offset, f.bits, vals[f.key]) for f in UDP_FIELDS)


# ---------------------------------------------------------------------------
# TCP and UDP side by side (the header explorer's model call)
# ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class HeaderPair:
    """The same ports and payload carried by TCP and by UDP, with checksums filled in.

    Attributes
    ----------
    tcp, udp : TcpHeader, UdpHeader
        Headers with the checksum computed over the pseudo-header.
    tcp_bytes, udp_bytes : bytes
        The headers alone on the wire (TCP 20–60 bytes, UDP 8 bytes).
    payload : bytes
        The data both carry.
    src, dst : str
        The addresses used in the pseudo-headers.
    """

    tcp: TcpHeader
    udp: UdpHeader
    tcp_bytes: bytes
    udp_bytes: bytes
    payload: bytes
    src: str
    dst: str

    @property
    def tcp_spans(self) -> tuple[FieldSpan, ...]:
        return tcp_layout(self.tcp)

    @property
    def udp_spans(self) -> tuple[FieldSpan, ...]:
        return udp_layout(self.udp)


def header_pair(
    *,
    src: Address = "192.0.2.1",
    dst: Address = "198.51.100.7",
    src_port: int = 40000,
    dst_port: int = 80,
    seq: int = 1000,
    ack: int = 0,
    flags: int = TcpFlag.SYN,
    window: int = 64240,
    urgent: int = 0,
    options: tuple[TcpOption, ...] = (),
    payload: bytes = b"",
) -> HeaderPair:
    """Build a TCP header and a UDP header for the same ports and payload, checksums included.

    Parameters are those of :class:`TcpHeader` (ports in [0, 65535], seq/ack in
    [0, 2**32 − 1], flags in [0, 255], window/urgent in [0, 65535], options ≤ 40
    bytes) plus the addresses of the pseudo-header and the payload (≤ 65507 bytes).

    Returns
    -------
    HeaderPair

    Raises
    ------
    ValueError, TypeError
        From the header constructors and :func:`pseudo_header`.

    Examples
    --------
    >>> p = header_pair(payload=b"hi")
    >>> len(p.tcp_bytes), len(p.udp_bytes), verify_tcp_checksum(p.src, p.dst, p.tcp.to_bytes(p.payload))
    (20, 8, True)
    """
    payload = check_bytes("payload", payload)
    check_int("len(payload)", len(payload), lo=0, hi=65507)
    tcp = TcpHeader(src_port, dst_port, seq=seq, ack=ack, flags=flags, window=window, urgent=urgent,
                    options=options)
    tcp = replace(tcp, checksum=tcp_checksum(src, dst, tcp.to_bytes(payload)))
    udp0 = UdpHeader(src_port, dst_port, 8 + len(payload))
    udp = replace(udp0, checksum=udp_checksum(src, dst, udp0.to_bytes(payload)))
    return HeaderPair(tcp, udp, tcp.to_bytes(), udp.to_bytes(payload)[:8], payload, str(src), str(dst))
