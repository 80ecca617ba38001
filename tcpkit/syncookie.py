"""The Linux IPv4 SYN cookie, bit for bit as ``net/ipv4/syncookies.c`` computes it.

>>> cookie_v4_init_sequence("192.0.2.1", "198.51.100.7", 40000, 80, 1000, 1460, minute=71577, secrets=SynCookieSecrets.from_seed(0))[1]
1460

When the SYN queue of a listener is full (or always, with ``tcp_syncookies=2``)
Linux answers a SYN without keeping any state: the SYN-ACK's sequence number
(the server's ISN) *is* the state. This module reproduces that computation:

* :func:`cookie_v4_init_sequence` — the cookie sent in the SYN-ACK and the MSS
  the server will use (rounded down to the ``msstab`` entry);
* :func:`cookie_v4_check` — what the server recovers from the third-step ACK:
  the MSS, or ``None`` for a forged, tampered or expired cookie;
* :func:`explain_cookie` / :func:`explain_check` — every intermediate value
  (both SipHash outputs, the minute counter, the bit fields), for the book;
* :func:`cookie_init_timestamp` / :func:`cookie_timestamp_decode` — how window
  scale, SACK and ECN ride in the low 6 bits of the SYN-ACK's TSval.

Byte layout of the hash input (``cookie_hash``): on a little-endian host the
kernel hashes ``saddr ‖ daddr ‖ dport ‖ sport ‖ LE32(count)`` with the
addresses and ports in wire order — note **dport before sport** — using
``siphash_4u32`` (:mod:`tcpkit.siphash`). ``saddr``/``sport`` are always the
*client's* (the SYN's source), ``daddr``/``dport`` the server's.
"""

from __future__ import annotations

import ipaddress
import random
import secrets as _secrets
from dataclasses import dataclass, field

from ._validate import check_bool, check_bytes, check_choice, check_int
from .linux import LINUX
from .siphash import _siphash_4u32_fast, key_words

__all__ = [
    "COOKIEBITS",
    "COOKIEMASK",
    "MAX_SYNCOOKIE_AGE",
    "MSSTAB",
    "TSBITS",
    "TS_OPT_WSCALE_MASK",
    "TS_OPT_SACK",
    "TS_OPT_ECN",
    "SynCookieSecrets",
    "CookieExplanation",
    "CookieCheck",
    "TimestampOptions",
    "mss_index",
    "hash_input",
    "cookie_hash",
    "cookie_v4_init_sequence",
    "cookie_v4_check",
    "explain_cookie",
    "explain_check",
    "cookie_init_timestamp",
    "cookie_timestamp_decode",
    "ACK_SCENARIOS",
    "CookieHandshake",
    "cookie_handshake",
]

#: Low bits of the cookie that carry hash + MSS index (``COOKIEBITS``, syncookies.c).
COOKIEBITS = 24
#: ``(1 << COOKIEBITS) - 1``.
COOKIEMASK = (1 << COOKIEBITS) - 1
#: A cookie is accepted only if minted in this or the previous minute (include/net/tcp.h).
MAX_SYNCOOKIE_AGE: int = int(LINUX["MAX_SYNCOOKIE_AGE"].value)
#: The four MSS values a cookie can carry (IPv4 ``msstab[]`` in syncookies.c).
MSSTAB: tuple[int, int, int, int] = (536, 1300, 1440, 1460)
#: Low bits of the SYN-ACK TSval used for options (``TSBITS``).
TSBITS = 6
#: Window-scale field of the TSval options; 0xF means "peer sent no window scale".
TS_OPT_WSCALE_MASK = 0xF
#: SACK-permitted bit of the TSval options.
TS_OPT_SACK = 1 << 4
#: ECN bit of the TSval options.
TS_OPT_ECN = 1 << 5

_M32 = (1 << 32) - 1
_TCP_MAX_WSCALE = int(LINUX["TCP_MAX_WSCALE"].value)


# --------------------------------------------------------------------------
# secrets
# --------------------------------------------------------------------------
def _random_key() -> bytes:
    return _secrets.token_bytes(16)


@dataclass(frozen=True, slots=True)
class SynCookieSecrets:
    """The two 128-bit SipHash keys of ``syncookie_secret[2]``.

    Parameters
    ----------
    key0 : bytes
        16-byte key of the first hash (``count = 0``, the "connection" hash).
    key1 : bytes
        16-byte key of the second hash (real ``count``, the "time" hash).

    Notes
    -----
    The default is two fresh random keys from :mod:`secrets`, as the kernel
    fills them once with ``net_get_random_once``. Use :meth:`from_seed` for
    reproducible figures and :meth:`from_words` to state keys as u64 pairs.

    Raises
    ------
    TypeError, ValueError
        If a key is not 16 bytes.

    Examples
    --------
    >>> s = SynCookieSecrets.from_seed(0)
    >>> s == SynCookieSecrets.from_seed(0), s == SynCookieSecrets.from_seed(1)
    (True, False)
    >>> len(SynCookieSecrets().key0)
    16
    """

    key0: bytes = field(default_factory=_random_key)
    key1: bytes = field(default_factory=_random_key)
    _words: tuple[int, int, int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        k0 = check_bytes("key0", self.key0, length=16)
        k1 = check_bytes("key1", self.key1, length=16)
        object.__setattr__(self, "key0", k0)
        object.__setattr__(self, "key1", k1)
        object.__setattr__(self, "_words", key_words(k0) + key_words(k1))

    @classmethod
    def from_seed(cls, seed: int) -> SynCookieSecrets:
        """Deterministic keys drawn from ``random.Random(seed)`` (for the book's figures).

        Parameters
        ----------
        seed : int
            Any integer ≥ 0.
        """
        s = check_int("seed", seed, lo=0)
        rng = random.Random(s)
        return cls(rng.randbytes(16), rng.randbytes(16))

    @classmethod
    def from_words(cls, key0: tuple[int, int], key1: tuple[int, int]) -> SynCookieSecrets:
        """Keys given as the kernel's ``siphash_key_t`` words ``(key[0], key[1])``.

        Examples
        --------
        >>> SynCookieSecrets.from_words((0x0706050403020100, 0x0F0E0D0C0B0A0908), (0, 0)).key0 == bytes(range(16))
        True
        """
        out = []
        for name, pair in (("key0", key0), ("key1", key1)):
            if not isinstance(pair, tuple) or len(pair) != 2:
                raise TypeError(f"{name} must be a tuple of two 64-bit integers, got {pair!r}")
            lo = check_int(f"{name}[0]", pair[0], lo=0, hi=(1 << 64) - 1)
            hi = check_int(f"{name}[1]", pair[1], lo=0, hi=(1 << 64) - 1)
            out.append(lo.to_bytes(8, "little") + hi.to_bytes(8, "little"))
        return cls(out[0], out[1])


# --------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------
def _addr(name: str, value: object) -> int:
    """IPv4 address → the kernel's ``(__force u32)`` of the network-order value (little-endian host)."""
    if isinstance(value, ipaddress.IPv4Address):
        packed = value.packed
    elif isinstance(value, str):
        try:
            packed = ipaddress.IPv4Address(value).packed
        except ValueError:
            raise ValueError(f"{name} must be an IPv4 address like '192.0.2.1', got {value!r}") from None
    else:
        raise TypeError(f"{name} must be a dotted IPv4 string or ipaddress.IPv4Address, got {type(value).__name__} {value!r}")
    return int.from_bytes(packed, "little")


def _port(name: str, value: object) -> int:
    p = check_int(name, value, lo=0, hi=65535)
    return ((p & 0xFF) << 8) | (p >> 8)  # be16 reinterpreted as a host u16


def _hash_words(saddr: object, daddr: object, sport: object, dport: object) -> tuple[int, int, int]:
    """The first three ``siphash_4u32`` words of ``cookie_hash`` (all but ``count``)."""
    a = _addr("saddr", saddr)
    b = _addr("daddr", daddr)
    c = (_port("sport", sport) << 16) | _port("dport", dport)
    return a, b, c


def _h(words: tuple[int, int, int], count: int, c: int, sec: SynCookieSecrets) -> int:
    w = sec._words
    k0, k1 = (w[0], w[1]) if c == 0 else (w[2], w[3])
    return _siphash_4u32_fast(words[0], words[1], words[2], count & _M32, k0, k1) & _M32


def _secrets_arg(value: object) -> SynCookieSecrets:
    if not isinstance(value, SynCookieSecrets):
        raise TypeError(f"secrets must be a SynCookieSecrets, got {type(value).__name__}")
    return value


# --------------------------------------------------------------------------
# the cookie
# --------------------------------------------------------------------------
def mss_index(mss: int) -> int:
    """Index into :data:`MSSTAB` that ``__cookie_v4_init_sequence`` encodes for ``mss``.

    Parameters
    ----------
    mss : int
        The client's MSS after clamping, in bytes, in ``[1, 65535]`` (536 if the
        SYN carried no MSS option).

    Returns
    -------
    int
        The largest ``i`` in 3, 2, 1 with ``mss >= MSSTAB[i]``, else 0 — the MSS
        is rounded **down**, and anything below 1300 (even below 536) becomes 536.

    Notes
    -----
    ``net/ipv4/syncookies.c`` ``__cookie_v4_init_sequence``:
    ``for (mssind = ARRAY_SIZE(msstab) - 1; mssind ; mssind--) if (mss >= msstab[mssind]) break;``

    Examples
    --------
    >>> [MSSTAB[mss_index(m)] for m in (65495, 1460, 1452, 1400, 536, 200)]
    [1460, 1460, 1440, 1300, 536, 536]
    """
    m = check_int("mss", mss, lo=1, hi=65535)
    for i in (3, 2, 1):
        if m >= MSSTAB[i]:
            return i
    return 0


def hash_input(saddr: object, daddr: object, sport: int, dport: int, count: int) -> bytes:
    """The 16 bytes ``cookie_hash`` feeds to SipHash on a little-endian host.

    Returns
    -------
    bytes
        ``saddr(4) ‖ daddr(4) ‖ dport(2) ‖ sport(2) ‖ LE32(count)``, addresses
        and ports in network byte order.

    Examples
    --------
    >>> hash_input("192.0.2.1", "198.51.100.7", 40000, 80, 1).hex(" ")
    'c0 00 02 01 c6 33 64 07 00 50 9c 40 01 00 00 00'
    """
    a, b, c = _hash_words(saddr, daddr, sport, dport)
    n = check_int("count", count, lo=0, hi=_M32)
    return a.to_bytes(4, "little") + b.to_bytes(4, "little") + c.to_bytes(4, "little") + n.to_bytes(4, "little")


def cookie_hash(saddr: object, daddr: object, sport: int, dport: int, count: int, c: int, *,
                secrets: SynCookieSecrets) -> int:
    """``cookie_hash(saddr, daddr, sport, dport, count, c)``: low 32 bits of SipHash.

    Parameters
    ----------
    saddr, daddr : str or ipaddress.IPv4Address
        Client and server address.
    sport, dport : int
        Client and server port, ``[0, 65535]``.
    count : int
        Minute counter, ``[0, 2**32 - 1]`` (0 for hash 0).
    c : int
        Which secret: 0 or 1.
    secrets : SynCookieSecrets
        The two keys.

    Returns
    -------
    int
        ``(u32) siphash_4u32(saddr, daddr, sport << 16 | dport, count, &syncookie_secret[c])``.

    Notes
    -----
    ``net/ipv4/syncookies.c`` ``cookie_hash``; ``include/linux/siphash.h`` ``siphash_4u32``.

    Examples
    --------
    >>> s = SynCookieSecrets.from_words((0x0706050403020100, 0x0F0E0D0C0B0A0908),
    ...                                 (0x1716151413121110, 0x1F1E1D1C1B1A1918))
    >>> hex(cookie_hash("192.0.2.1", "198.51.100.7", 40000, 80, 0, 0, secrets=s))
    '0x7bdd437e'
    """
    words = _hash_words(saddr, daddr, sport, dport)
    n = check_int("count", count, lo=0, hi=_M32)
    ci = check_int("c", c, lo=0, hi=1)
    return _h(words, n, ci, _secrets_arg(secrets))


def cookie_v4_init_sequence(saddr: object, daddr: object, sport: int, dport: int, client_isn: int, mss: int, *,
                            minute: int, secrets: SynCookieSecrets) -> tuple[int, int]:
    """The SYN cookie a Linux server puts in its SYN-ACK's sequence number.

    Parameters
    ----------
    saddr : str or ipaddress.IPv4Address
        Client address (the SYN's IP source).
    daddr : str or ipaddress.IPv4Address
        Server address (the SYN's IP destination).
    sport, dport : int
        Client and server port, ``[0, 65535]``.
    client_isn : int
        The SYN's sequence number, ``[0, 2**32 - 1]``.
    mss : int
        The client's MSS option after clamping, bytes, ``[1, 65535]``.
    minute : int
        ``tcp_cookie_time()``: jiffies / (60 HZ), ``[0, 2**32 - 1]``. Only
        differences matter; on a real host it starts near 71577 at boot.
    secrets : SynCookieSecrets
        The two SipHash keys.

    Returns
    -------
    (int, int)
        ``(cookie, mss_used)``: the server ISN in ``[0, 2**32 - 1]`` and
        ``MSSTAB[mssind]``, the MSS the server will use for this connection.

    Raises
    ------
    TypeError, ValueError
        On a bad address, port, ISN, MSS or minute (the message names it).

    Notes
    -----
    ``net/ipv4/syncookies.c`` ``secure_tcp_syn_cookie`` (all modulo 2³²)::

        cookie = H(…, 0, key0) + client_isn + (count << 24)
                 + ((H(…, count, key1) + mssind) & 0xFFFFFF)

    The top 8 bits therefore carry ``count`` (plus the carry of the sums);
    the low 24 bits the second hash plus the 2-bit MSS index.

    Examples
    --------
    The fact sheet's vector (tcp-facts §3.7):

    >>> s = SynCookieSecrets.from_words((0x0706050403020100, 0x0F0E0D0C0B0A0908),
    ...                                 (0x1716151413121110, 0x1F1E1D1C1B1A1918))
    >>> c, m = cookie_v4_init_sequence("192.0.2.1", "198.51.100.7", 40000, 80, 1000, 1460, minute=71577, secrets=s)
    >>> hex(c), m
    ('0x156a3739', 1460)

    The MSS is rounded down to a table entry (PPPoE's 1452 becomes 1440):

    >>> cookie_v4_init_sequence("192.0.2.1", "198.51.100.7", 40000, 80, 1000, 1452, minute=71577, secrets=s)[1]
    1440
    """
    _sseq, mssind, _count, _h0, _h1, cookie = _encode(saddr, daddr, sport, dport, client_isn, mss, minute, secrets)
    return cookie, MSSTAB[mssind]


def _encode(saddr: object, daddr: object, sport: int, dport: int, client_isn: int, mss: int, minute: int,
            secrets: SynCookieSecrets) -> tuple[int, int, int, int, int, int]:
    """secure_tcp_syn_cookie: validate, hash twice, build the cookie → (sseq, mssind, count, h0, h1, cookie)."""
    words = _hash_words(saddr, daddr, sport, dport)
    sseq = check_int("client_isn", client_isn, lo=0, hi=_M32)
    mssind = mss_index(mss)
    count = check_int("minute", minute, lo=0, hi=_M32)
    sec = _secrets_arg(secrets)
    h0 = _h(words, 0, 0, sec)
    h1 = _h(words, count, 1, sec)
    cookie = (h0 + sseq + (count << COOKIEBITS) + ((h1 + mssind) & COOKIEMASK)) & _M32
    return sseq, mssind, count, h0, h1, cookie


def _check(words: tuple[int, int, int], sseq: int, cookie: int, count: int, sec: SynCookieSecrets
           ) -> tuple[int, int, int, int, int | None]:
    """check_tcp_syn_cookie: returns (h0, x, diff, h1, data or None when too old)."""
    h0 = _h(words, 0, 0, sec)
    x = (cookie - (h0 + sseq)) & _M32
    diff = (count - (x >> COOKIEBITS)) & (_M32 >> COOKIEBITS)
    if diff >= MAX_SYNCOOKIE_AGE:
        return h0, x, diff, 0, None
    h1 = _h(words, (count - diff) & _M32, 1, sec)
    return h0, x, diff, h1, (x - h1) & COOKIEMASK


def cookie_v4_check(saddr: object, daddr: object, sport: int, dport: int, client_isn: int, cookie: int, *,
                    minute: int, secrets: SynCookieSecrets) -> int | None:
    """Validate the cookie echoed in a third-step ACK; return the encoded MSS or ``None``.

    Parameters
    ----------
    saddr, daddr, sport, dport
        The ACK's source (client) and destination (server) address and port.
    client_isn : int
        ``ACK.seq − 1`` (mod 2³²), ``[0, 2**32 - 1]``.
    cookie : int
        ``ACK.ack_seq − 1`` (mod 2³²), i.e. the server ISN the client saw.
    minute : int
        ``tcp_cookie_time()`` when the ACK arrives, ``[0, 2**32 - 1]``.
    secrets : SynCookieSecrets
        The listener's keys.

    Returns
    -------
    int or None
        The MSS from :data:`MSSTAB`, or ``None`` if the cookie is older than
        :data:`MAX_SYNCOOKIE_AGE` minute steps or its hash does not match
        (forged, tampered, another 4-tuple or other secrets).

    Raises
    ------
    ValueError
        If an address string is not IPv4, a port is not in [0, 65535], or
        ``client_isn``, ``cookie`` or ``minute`` is not in [0, 2**32 − 1].
    TypeError
        If an address is neither a string nor :class:`ipaddress.IPv4Address`, a
        number not an integer, or ``secrets`` not a :class:`SynCookieSecrets`.

    Notes
    -----
    ``net/ipv4/syncookies.c`` ``check_tcp_syn_cookie`` / ``__cookie_v4_check``:
    subtract ``H0 + client_isn``; the top 8 bits then give the minute the
    cookie was minted; ``diff = (now − minted) & 0xFF`` must be < 2; subtract
    ``H1`` of that minute; the remaining 24 bits must be an index < 4. A random
    32-bit guess passes with probability about ``2 · 4 / 2**32`` (right minute
    byte for one of two ages, then 4 of 2²⁴ values). The kernel also requires
    a recent SYN-queue overflow (``tcp_synq_no_recent_overflow``); that gate
    belongs to the listener, see :mod:`tcpkit.queues`.

    Examples
    --------
    >>> s = SynCookieSecrets.from_seed(0)
    >>> c, _ = cookie_v4_init_sequence("10.0.0.2", "10.0.0.1", 5555, 443, 7, 1400, minute=100, secrets=s)
    >>> [cookie_v4_check("10.0.0.2", "10.0.0.1", 5555, 443, 7, c, minute=m, secrets=s) for m in (100, 101, 102)]
    [1300, 1300, None]
    >>> cookie_v4_check("10.0.0.2", "10.0.0.1", 5556, 443, 7, c, minute=100, secrets=s) is None
    True
    """
    words = _hash_words(saddr, daddr, sport, dport)
    sseq = check_int("client_isn", client_isn, lo=0, hi=_M32)
    ck = check_int("cookie", cookie, lo=0, hi=_M32)
    count = check_int("minute", minute, lo=0, hi=_M32)
    data = _check(words, sseq, ck, count, _secrets_arg(secrets))[4]
    if data is None or data >= len(MSSTAB):
        return None
    return MSSTAB[data]


# --------------------------------------------------------------------------
# explanations for the book
# --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CookieExplanation:
    """Every intermediate value of one cookie computation (see :func:`explain_cookie`)."""

    hash0_input: bytes      #: 16 bytes hashed with key0 (count = 0)
    hash1_input: bytes      #: 16 bytes hashed with key1 (count = minute)
    h0: int                 #: low 32 bits of SipHash(key0, hash0_input)
    h1: int                 #: low 32 bits of SipHash(key1, hash1_input)
    count: int              #: the minute counter
    client_isn: int         #: the SYN's sequence number
    mss_requested: int      #: the client's MSS
    mssind: int             #: 2-bit index into MSSTAB
    mss_used: int           #: MSSTAB[mssind]
    low24: int              #: (h1 + mssind) & 0xFFFFFF
    count_field: int        #: (count << 24) mod 2**32
    cookie: int             #: the server ISN sent in the SYN-ACK

    @property
    def top8(self) -> int:
        """The cookie's top 8 bits (count + h0 + isn carry, as sent on the wire)."""
        return self.cookie >> COOKIEBITS

    @property
    def bits(self) -> str:
        """The cookie as a 32-character bit string, most significant bit first."""
        return f"{self.cookie:032b}"


@dataclass(frozen=True, slots=True)
class CookieCheck:
    """Every intermediate value of one cookie check (see :func:`explain_check`)."""

    cookie: int             #: ACK.ack_seq − 1
    client_isn: int         #: ACK.seq − 1
    count: int              #: the minute counter when the ACK arrives
    h0: int                 #: hash 0 of the ACK's 4-tuple
    stripped: int           #: cookie − (h0 + client_isn): count_enc << 24 | (h1 + data)
    minted_minute_byte: int  #: stripped >> 24 (low 8 bits of the minting minute)
    age: int                #: (count − minted) & 0xFF, in minutes
    h1: int | None          #: hash 1 of minute count − age (None when too old)
    data: int | None        #: (stripped − h1) & 0xFFFFFF (None when too old)
    mss: int | None         #: MSSTAB[data] if accepted
    reason: str             #: "ok", "too_old" or "bad_hash"

    @property
    def accepted(self) -> bool:
        """True when the kernel would create the connection from this ACK."""
        return self.mss is not None


def explain_cookie(saddr: object, daddr: object, sport: int, dport: int, client_isn: int, mss: int, *,
                   minute: int, secrets: SynCookieSecrets) -> CookieExplanation:
    """:func:`cookie_v4_init_sequence` with every intermediate value (same parameters).

    Returns
    -------
    CookieExplanation
        Hash inputs, both hashes, count, MSS index, the low-24-bit field and the cookie.

    Raises
    ------
    TypeError, ValueError
        For a bad address, port, ISN, MSS or minute, with the message of
        :func:`cookie_v4_init_sequence`, which runs the same checks.

    Examples
    --------
    >>> s = SynCookieSecrets.from_words((0x0706050403020100, 0x0F0E0D0C0B0A0908),
    ...                                 (0x1716151413121110, 0x1F1E1D1C1B1A1918))
    >>> e = explain_cookie("192.0.2.1", "198.51.100.7", 40000, 80, 1000, 1460, minute=71577, secrets=s)
    >>> hex(e.h0), hex(e.h1), e.mssind, hex(e.cookie)
    ('0x7bdd437e', '0xf68cefd0', 3, '0x156a3739')
    """
    sseq, mssind, count, h0, h1, cookie = _encode(saddr, daddr, sport, dport, client_isn, mss, minute, secrets)
    low24 = (h1 + mssind) & COOKIEMASK
    count_field = (count << COOKIEBITS) & _M32
    return CookieExplanation(
        hash0_input=hash_input(saddr, daddr, sport, dport, 0),
        hash1_input=hash_input(saddr, daddr, sport, dport, count),
        h0=h0, h1=h1, count=count, client_isn=sseq, mss_requested=int(mss), mssind=mssind,
        mss_used=MSSTAB[mssind], low24=low24, count_field=count_field, cookie=cookie,
    )


def explain_check(saddr: object, daddr: object, sport: int, dport: int, client_isn: int, cookie: int, *,
                  minute: int, secrets: SynCookieSecrets) -> CookieCheck:
    """:func:`cookie_v4_check` with every intermediate value and the reason (same parameters).

    Returns
    -------
    CookieCheck
        ``reason`` is ``"ok"``, ``"too_old"`` (age ≥ ``MAX_SYNCOOKIE_AGE``) or
        ``"bad_hash"`` (the 24 bits left are not an MSS index < 4).

    Raises
    ------
    TypeError, ValueError
        As :func:`cookie_v4_check` (the same checks run).

    Examples
    --------
    >>> s = SynCookieSecrets.from_seed(0)
    >>> c, _ = cookie_v4_init_sequence("10.0.0.2", "10.0.0.1", 5555, 443, 7, 1460, minute=100, secrets=s)
    >>> [explain_check("10.0.0.2", "10.0.0.1", 5555, 443, 7, c, minute=m, secrets=s).reason for m in (101, 103)]
    ['ok', 'too_old']
    >>> explain_check("10.0.0.2", "10.0.0.1", 5555, 443, 7, c ^ 0x1000, minute=100, secrets=s).reason
    'bad_hash'

    The client ISN is *added*, not hashed: an ACK whose seq is one higher
    shifts the 24-bit field by one, and still decodes (to a smaller MSS):

    >>> explain_check("10.0.0.2", "10.0.0.1", 5555, 443, 8, c, minute=100, secrets=s).mss
    1440
    """
    words = _hash_words(saddr, daddr, sport, dport)
    sseq = check_int("client_isn", client_isn, lo=0, hi=_M32)
    ck = check_int("cookie", cookie, lo=0, hi=_M32)
    count = check_int("minute", minute, lo=0, hi=_M32)
    h0, x, diff, h1, data = _check(words, sseq, ck, count, _secrets_arg(secrets))
    if data is None:
        return CookieCheck(ck, sseq, count, h0, x, x >> COOKIEBITS, diff, None, None, None, "too_old")
    ok = data < len(MSSTAB)
    return CookieCheck(ck, sseq, count, h0, x, x >> COOKIEBITS, diff, h1, data,
                       MSSTAB[data] if ok else None, "ok" if ok else "bad_hash")


# --------------------------------------------------------------------------
# options in the timestamp
# --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TimestampOptions:
    """TCP options a cookie connection recovers from the echoed timestamp."""

    wscale: int | None  #: peer's window-scale shift, None if it sent none
    sack: bool          #: peer is SACK-permitted
    ecn: bool           #: ECN was negotiated


def cookie_init_timestamp(ts_now: int, *, wscale: int | None = None, sack: bool = False, ecn: bool = False) -> int:
    """The SYN-ACK TSval Linux sends with a cookie: the clock with options in the low 6 bits.

    Parameters
    ----------
    ts_now : int
        The server's timestamp clock in ms, ``[0, 2**32 - 1]`` (before the
        per-connection offset ``ts_off`` is added).
    wscale : int or None
        The peer's window-scale shift ``[0, 14]``; ``None`` if the SYN had no
        window-scale option (encoded as 0xF).
    sack : bool
        The SYN carried SACK-permitted.
    ecn : bool
        ECN was negotiated.

    Returns
    -------
    int
        ``((ts_now >> 6) << 6) | options``, minus 64 if that would be ahead of
        ``ts_now`` (the timestamp never runs ahead of the real clock).

    Raises
    ------
    ValueError
        If ``ts_now`` is not in [0, 2**32 − 1] or ``wscale`` not in [0, 14].
    TypeError
        If ``ts_now`` or ``wscale`` is not an integer, or ``sack`` / ``ecn`` not a bool.

    Notes
    -----
    ``net/ipv4/syncookies.c`` ``cookie_init_timestamp``. Only used when the
    client sent a timestamp; without one, a cookie connection keeps just the MSS.

    Examples
    --------
    Window scale 10 + SACK → low 6 bits 0x1A (measured on Linux 6.18, tcp-facts §3.6):

    >>> hex(cookie_init_timestamp(1_000_000, wscale=10, sack=True) & 0x3F)
    '0x1a'
    """
    now = check_int("ts_now", ts_now, lo=0, hi=_M32)
    if wscale is None:
        options = TS_OPT_WSCALE_MASK
    else:
        options = check_int("wscale", wscale, lo=0, hi=_TCP_MAX_WSCALE)
    if check_bool("sack", sack):
        options |= TS_OPT_SACK
    if check_bool("ecn", ecn):
        options |= TS_OPT_ECN
    ts = ((now >> TSBITS) << TSBITS) | options
    if ts > now:
        ts -= 1 << TSBITS
    return ts & _M32


def cookie_timestamp_decode(tsecr: int | None, *, ts_off: int = 0) -> TimestampOptions:
    """Recover window scale, SACK and ECN from the TSecr of the third-step ACK.

    Parameters
    ----------
    tsecr : int or None
        The ACK's TSecr in ``[0, 2**32 - 1]``, or ``None`` if the ACK carries no
        timestamp option (then every option is lost).
    ts_off : int
        The per-connection timestamp offset the server added, ``[0, 2**32 - 1]``.

    Returns
    -------
    TimestampOptions

    Raises
    ------
    ValueError
        If ``tsecr`` or ``ts_off`` is not in [0, 2**32 − 1].
    TypeError
        If either is not an integer.

    Notes
    -----
    ``net/ipv4/syncookies.c`` ``cookie_timestamp_decode`` and ``cookie_ecn_ok``.
    The kernel additionally refuses the ACK if a decoded option is disabled by
    the local sysctls (``tcp_sack``, ``tcp_window_scaling``, ``tcp_ecn``).

    Examples
    --------
    >>> ts = cookie_init_timestamp(123456, wscale=7, sack=True)
    >>> cookie_timestamp_decode(ts)
    TimestampOptions(wscale=7, sack=True, ecn=False)
    >>> cookie_timestamp_decode(None)
    TimestampOptions(wscale=None, sack=False, ecn=False)
    """
    if tsecr is None:
        return TimestampOptions(None, False, False)
    t = check_int("tsecr", tsecr, lo=0, hi=_M32)
    off = check_int("ts_off", ts_off, lo=0, hi=_M32)
    options = (t - off) & _M32
    ws = options & TS_OPT_WSCALE_MASK
    return TimestampOptions(None if ws == TS_OPT_WSCALE_MASK else ws, bool(options & TS_OPT_SACK),
                            bool(options & TS_OPT_ECN))


# --------------------------------------------------------------------------
# a whole cookie handshake, for the calculator widget
# --------------------------------------------------------------------------
#: Third-step ACKs the calculator can send back (name → Chinese label).
ACK_SCENARIOS: dict[str, str] = {
    "honest": "正常客户端：原样回送",
    "next_minute": "正常客户端：下一分钟才到达",
    "replay_3min": "3 分钟后重放同一个 ACK",
    "tampered_ack": "篡改确认号（翻转第 8 位）",
    "other_port": "同样的数字，换一个源端口",
    "guess": "盲猜：随机的确认号",
}


@dataclass(frozen=True, slots=True)
class CookieHandshake:
    """A SYN answered with a cookie, and one third-step ACK checked against it."""

    syn: CookieExplanation  #: how the cookie was computed
    scenario: str           #: key of :data:`ACK_SCENARIOS`
    ack_sport: int          #: source port of the ACK
    ack_seq: int            #: the ACK's sequence number
    ack_ack: int            #: the ACK's acknowledgement number
    ack_minute: int         #: minute counter when the ACK arrives
    check: CookieCheck      #: what ``cookie_v4_check`` finds


def cookie_handshake(saddr: object, daddr: object, sport: int, dport: int, client_isn: int, mss: int, *,
                     minute: int, secret_seed: int = 0, ack: str = "honest") -> CookieHandshake:
    """Encode a cookie for a SYN, build a third-step ACK of kind ``ack``, and check it.

    Parameters
    ----------
    saddr, daddr, sport, dport, client_isn, mss, minute
        As in :func:`cookie_v4_init_sequence`.
    secret_seed : int
        Seed of :meth:`SynCookieSecrets.from_seed`, ``[0, inf)``.
    ack : str
        One of :data:`ACK_SCENARIOS`: ``"honest"`` (seq = ISN + 1, ack = cookie + 1,
        same minute), ``"next_minute"``, ``"replay_3min"`` (same numbers 3 minutes
        later), ``"tampered_ack"`` (ack number with bit 8 flipped), ``"other_port"``
        (the same numbers from source port + 1), ``"guess"`` (a random ack number,
        drawn from ``random.Random(secret_seed)``).

    Returns
    -------
    CookieHandshake

    Raises
    ------
    ValueError
        If ``ack`` is not one of :data:`ACK_SCENARIOS` or ``secret_seed`` is negative.
    TypeError
        If ``secret_seed`` is not an integer.

    Examples
    --------
    >>> h = cookie_handshake("192.0.2.1", "198.51.100.7", 40000, 80, 1000, 1460, minute=71577, ack="replay_3min")
    >>> h.check.reason, h.check.age
    ('too_old', 3)
    >>> cookie_handshake("192.0.2.1", "198.51.100.7", 40000, 80, 1000, 1460, minute=71577).check.mss
    1460
    """
    kind = check_choice("ack", ack, ACK_SCENARIOS)
    seed = check_int("secret_seed", secret_seed, lo=0)
    sec = SynCookieSecrets.from_seed(seed)
    syn = explain_cookie(saddr, daddr, sport, dport, client_isn, mss, minute=minute, secrets=sec)
    seq = (syn.client_isn + 1) & _M32
    ack_no = (syn.cookie + 1) & _M32
    now = syn.count
    p = int(sport)
    if kind == "next_minute":
        now = (now + 1) & _M32
    elif kind == "replay_3min":
        now = (now + 3) & _M32
    elif kind == "tampered_ack":
        ack_no ^= 1 << 8
    elif kind == "other_port":
        p = (p + 1) % 65536
    elif kind == "guess":
        ack_no = random.Random(seed).getrandbits(32)
    chk = explain_check(saddr, daddr, p, dport, (seq - 1) & _M32, (ack_no - 1) & _M32, minute=now, secrets=sec)
    return CookieHandshake(syn, kind, p, seq, ack_no, now, chk)
