"""SipHash-2-4, the keyed hash behind Linux SYN cookies, in pure Python.

>>> hex(siphash24(bytes(range(16)), bytes(range(15))))
'0xa129ca6149be45e5'

SipHash (Aumasson and Bernstein 2012) is a pseudo-random function keyed with
128 bits. It is short-input fast and is what the Linux kernel uses for SYN
cookies, TCP initial sequence numbers and TFO cookies (``lib/siphash.c``).

Two entry points:

* :func:`siphash24` hashes an arbitrary byte string exactly as the reference
  C implementation does and returns its 8 output bytes read as a
  little-endian integer (the ``vectors_sip64`` convention of the paper).
* :func:`siphash_2u64` / :func:`siphash_4u32` are the kernel's fixed-length
  helpers from ``include/linux/siphash.h``; ``siphash_4u32(a, b, c, d, key)``
  equals ``siphash24(key, LE32(a) ‖ LE32(b) ‖ LE32(c) ‖ LE32(d))`` but skips
  the byte packing, so one SYN cookie (two hashes) costs a few tens of µs.

Keys are 16 bytes: the kernel's ``siphash_key_t`` is ``u64 key[2]`` with
``key[0]`` read from bytes 0–7 and ``key[1]`` from bytes 8–15, both
little-endian, which is also how the reference code loads its key.
"""

from __future__ import annotations

from ._validate import check_bytes, check_int

__all__ = ["siphash24", "siphash_2u64", "siphash_4u32", "key_words"]

_M64 = (1 << 64) - 1
_M32 = (1 << 32) - 1

# Initialisation constants: "somepseudorandomlygeneratedbytes" (SipHash paper §2).
_C0 = 0x736F6D6570736575
_C1 = 0x646F72616E646F6D
_C2 = 0x6C7967656E657261
_C3 = 0x7465646279746573


def key_words(key: bytes) -> tuple[int, int]:
    """Split a 16-byte SipHash key into the two little-endian 64-bit words ``(k0, k1)``.

    Parameters
    ----------
    key : bytes
        Exactly 16 bytes.

    Returns
    -------
    (int, int)
        ``k0`` from bytes 0–7, ``k1`` from bytes 8–15 (``siphash_key_t.key[0..1]``).

    Raises
    ------
    TypeError
        If ``key`` is not bytes-like.
    ValueError
        If ``key`` is not 16 bytes long.

    Examples
    --------
    >>> [hex(w) for w in key_words(bytes(range(16)))]
    ['0x706050403020100', '0xf0e0d0c0b0a0908']
    """
    k = check_bytes("key", key, length=16)
    return int.from_bytes(k[:8], "little"), int.from_bytes(k[8:], "little")


def _rounds(v0: int, v1: int, v2: int, v3: int, n: int) -> tuple[int, int, int, int]:
    # SipRound (paper §2, Figure 2.1): ARX network on four 64-bit words.
    for _ in range(n):
        v0 = (v0 + v1) & _M64
        v1 = ((v1 << 13) | (v1 >> 51)) & _M64
        v1 ^= v0
        v0 = ((v0 << 32) | (v0 >> 32)) & _M64
        v2 = (v2 + v3) & _M64
        v3 = ((v3 << 16) | (v3 >> 48)) & _M64
        v3 ^= v2
        v0 = (v0 + v3) & _M64
        v3 = ((v3 << 21) | (v3 >> 43)) & _M64
        v3 ^= v0
        v2 = (v2 + v1) & _M64
        v1 = ((v1 << 17) | (v1 >> 47)) & _M64
        v1 ^= v2
        v2 = ((v2 << 32) | (v2 >> 32)) & _M64
    return v0, v1, v2, v3


def _hash_words(k0: int, k1: int, words: list[int]) -> int:
    """SipHash-2-4 over 64-bit message words (the last one already carries the length byte)."""
    v0, v1, v2, v3 = k0 ^ _C0, k1 ^ _C1, k0 ^ _C2, k1 ^ _C3
    for m in words:
        v3 ^= m
        v0, v1, v2, v3 = _rounds(v0, v1, v2, v3, 2)
        v0 ^= m
    v2 ^= 0xFF
    v0, v1, v2, v3 = _rounds(v0, v1, v2, v3, 4)
    return v0 ^ v1 ^ v2 ^ v3


def siphash24(key: bytes, data: bytes) -> int:
    """SipHash-2-4 of ``data`` under a 128-bit ``key``.

    Parameters
    ----------
    key : bytes
        16 bytes (``k0`` = bytes 0–7, ``k1`` = bytes 8–15, little-endian).
    data : bytes
        Message of any length.

    Returns
    -------
    int
        The 64-bit output in ``[0, 2**64 - 1]``: the reference implementation
        writes it as 8 bytes least significant first; this is those bytes read
        little-endian.

    Raises
    ------
    TypeError
        If ``key`` or ``data`` is not bytes-like.
    ValueError
        If ``key`` is not 16 bytes long.

    Notes
    -----
    Message words are 8-byte little-endian blocks; the final block holds the
    remaining 0–7 bytes plus ``len(data) mod 256`` in its top byte. Two
    compression rounds per block and four finalisation rounds (Aumasson and
    Bernstein 2012, §2; ``lib/siphash.c``).

    Examples
    --------
    The paper's published vector (Appendix A): key ``00..0f``, message ``00..0e``.

    >>> hex(siphash24(bytes(range(16)), bytes(range(15))))
    '0xa129ca6149be45e5'
    >>> hex(siphash24(bytes(range(16)), b""))
    '0x726fdb47dd0e0e31'
    """
    k0, k1 = key_words(key)
    d = check_bytes("data", data)
    n = len(d)
    full = n - n % 8
    words = [int.from_bytes(d[i : i + 8], "little") for i in range(0, full, 8)]
    words.append(int.from_bytes(d[full:], "little") | ((n & 0xFF) << 56))
    return _hash_words(k0, k1, words)


def siphash_2u64(first: int, second: int, key: bytes) -> int:
    """The kernel's ``siphash_2u64(first, second, key)``: SipHash-2-4 of two u64 words.

    Parameters
    ----------
    first, second : int
        Message words in ``[0, 2**64 - 1]`` (hashed as ``LE64(first) ‖ LE64(second)``).
    key : bytes
        16-byte key.

    Returns
    -------
    int
        64-bit hash, equal to ``siphash24(key, LE64(first) + LE64(second))``.

    Raises
    ------
    ValueError
        If ``first`` or ``second`` is not in [0, 2**64 − 1], or ``key`` is not 16 bytes.
    TypeError
        If a word is not an integer or ``key`` not bytes-like.

    Notes
    -----
    ``include/linux/siphash.h`` ``siphash_2u64`` → ``lib/siphash.c``: a 16-byte
    message is two blocks plus a final block holding only the length byte
    (16 << 56).

    Examples
    --------
    >>> k = bytes(range(16))
    >>> siphash_2u64(0x0706050403020100, 0x0F0E0D0C0B0A0908, k) == siphash24(k, bytes(range(16)))
    True
    """
    a = check_int("first", first, lo=0, hi=_M64)
    b = check_int("second", second, lo=0, hi=_M64)
    k0, k1 = key_words(key)
    return _hash_words(k0, k1, [a, b, 16 << 56])


def siphash_4u32(a: int, b: int, c: int, d: int, key: bytes) -> int:
    """The kernel's ``siphash_4u32(a, b, c, d, key)`` (what ``cookie_hash`` calls).

    Parameters
    ----------
    a, b, c, d : int
        32-bit words in ``[0, 2**32 - 1]``.
    key : bytes
        16-byte key.

    Returns
    -------
    int
        ``siphash_2u64((b << 32) | a, (d << 32) | c, key)`` =
        SipHash-2-4 over ``LE32(a) ‖ LE32(b) ‖ LE32(c) ‖ LE32(d)`` (64 bits).

    Raises
    ------
    ValueError
        If one of ``a``–``d`` is not in [0, 2**32 − 1], or ``key`` is not 16 bytes.
    TypeError
        If a word is not an integer or ``key`` not bytes-like.

    Notes
    -----
    ``include/linux/siphash.h``: ``siphash_4u32`` combines the four words into
    two u64 and calls ``siphash_2u64``.

    Examples
    --------
    >>> k = bytes(range(16))
    >>> siphash_4u32(0x03020100, 0x07060504, 0x0B0A0908, 0x0F0E0D0C, k) == siphash24(k, bytes(range(16)))
    True
    """
    words = [check_int(n, v, lo=0, hi=_M32) for n, v in (("a", a), ("b", b), ("c", c), ("d", d))]
    k0, k1 = key_words(key)
    return _hash_words(k0, k1, [(words[1] << 32) | words[0], (words[3] << 32) | words[2], 16 << 56])


def _siphash_4u32_fast(a: int, b: int, c: int, d: int, k0: int, k1: int) -> int:
    """Unchecked :func:`siphash_4u32` on pre-split key words (hot path of the cookie code)."""
    return _hash_words(k0, k1, [(b << 32) | a, (d << 32) | c, 16 << 56])
