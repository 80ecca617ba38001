"""The Linux defaults table: well-formed, and equal to what a fresh network namespace of this kernel reports."""

from __future__ import annotations

import os
import platform
import subprocess
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tcpkit.linux import HISTORY, LINUX, defaults_table_rows, value, value_for_kernel

# table name → (sysctl path under /proc/sys, how to turn the text into the table's value)
SYSCTLS = {
    "tcp_syn_retries": ("net/ipv4/tcp_syn_retries", int),
    "tcp_synack_retries": ("net/ipv4/tcp_synack_retries", int),
    "tcp_syn_linear_timeouts": ("net/ipv4/tcp_syn_linear_timeouts", int),
    "tcp_retries1": ("net/ipv4/tcp_retries1", int),
    "tcp_retries2": ("net/ipv4/tcp_retries2", int),
    "tcp_orphan_retries": ("net/ipv4/tcp_orphan_retries", int),
    "tcp_fin_timeout": ("net/ipv4/tcp_fin_timeout", int),
    "tcp_keepalive_time": ("net/ipv4/tcp_keepalive_time", int),
    "tcp_keepalive_intvl": ("net/ipv4/tcp_keepalive_intvl", int),
    "tcp_keepalive_probes": ("net/ipv4/tcp_keepalive_probes", int),
    "somaxconn": ("net/core/somaxconn", int),
    "tcp_syncookies": ("net/ipv4/tcp_syncookies", int),
    "tcp_abort_on_overflow": ("net/ipv4/tcp_abort_on_overflow", int),
    "tcp_tw_reuse": ("net/ipv4/tcp_tw_reuse", int),
    "tcp_tw_reuse_delay": ("net/ipv4/tcp_tw_reuse_delay", lambda s: int(s) / 1000),
    "tcp_rfc1337": ("net/ipv4/tcp_rfc1337", int),
    "tcp_reordering": ("net/ipv4/tcp_reordering", int),
    "tcp_min_snd_mss": ("net/ipv4/tcp_min_snd_mss", int),
    "ip_local_port_range_low": ("net/ipv4/ip_local_port_range", lambda s: int(s.split()[0])),
    "ip_local_port_range_high": ("net/ipv4/ip_local_port_range", lambda s: int(s.split()[1])),
    "tcp_rmem_default": ("net/ipv4/tcp_rmem", lambda s: int(s.split()[1])),
    "tcp_wmem_default": ("net/ipv4/tcp_wmem", lambda s: int(s.split()[1])),
    "TCP_RTO_MIN": ("net/ipv4/tcp_rto_min_us", lambda s: int(s) / 1e6),
    "TCP_RTO_MAX": ("net/ipv4/tcp_rto_max_ms", lambda s: int(s) / 1e3),
    "ipfrag_time": ("net/ipv4/ipfrag_time", int),
    "ip_default_ttl": ("net/ipv4/ip_default_ttl", int),
    "tcp_rmem_min": ("net/ipv4/tcp_rmem", lambda s: int(s.split()[0])),
    "tcp_adv_win_scale": ("net/ipv4/tcp_adv_win_scale", int),
    "tcp_slow_start_after_idle": ("net/ipv4/tcp_slow_start_after_idle", int),
    "tcp_wmem_min": ("net/ipv4/tcp_wmem", lambda s: int(s.split()[0])),
    "tcp_wmem_max": ("net/ipv4/tcp_wmem", lambda s: int(s.split()[2])),
}

# entries whose default depends on the kernel version: compared with value_for_kernel(this kernel)
VERSIONED_SYSCTLS = {
    "tcp_rmem_max": ("net/ipv4/tcp_rmem", lambda s: int(s.split()[2])),
    "somaxconn": ("net/core/somaxconn", int),
    "tcp_syn_linear_timeouts": ("net/ipv4/tcp_syn_linear_timeouts", int),
}


def test_every_entry_has_a_source_and_meaning():
    for name, d in LINUX.items():
        assert d.name == name
        assert d.source and d.meaning, name
        assert isinstance(d.value, (int, float)) and not isinstance(d.value, bool), name


def test_value_rejects_unknown_names_listing_the_valid_ones():
    with pytest.raises(ValueError, match=r"name must be one of .*tcp_syn_retries.*got 'tcp_nope'"):
        value("tcp_nope")


def test_table_is_read_only():
    with pytest.raises(TypeError):
        LINUX["tcp_syn_retries"] = None  # type: ignore[index]


def test_appendix_rows_cover_the_table():
    rows = defaults_table_rows()
    assert [r[0] for r in rows] == list(LINUX)
    assert dict((r[0], r[1]) for r in rows)["TCP_TIMEWAIT_LEN"] == "60 s"


def test_derived_entries_agree_with_their_formulas():
    assert LINUX["cubic_beta"].value == pytest.approx(0.7002, abs=1e-4)
    assert LINUX["cubic_c"].value == pytest.approx(0.4004, abs=1e-4)
    # lo has MTU 65536, but an IPv4 packet is at most 65535 bytes: MSS = 65535 - 20 - 20
    assert LINUX["loopback_mss"].value == 65535 - 20 - 20
    assert LINUX["TCP_FIN_TIMEOUT_MAX"].value == 2 * LINUX["TCP_TIMEWAIT_LEN"].value


@pytest.mark.kernel
def test_table_matches_a_fresh_network_namespace_of_this_kernel():
    """Per-netns sysctls start at their defaults in a new namespace: read them there."""
    assert os.geteuid() == 0, "this test creates a network namespace and needs root (CI runs as root)"
    ns = f"tcpkit-defaults-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        paths = sorted({p for p, _ in [*SYSCTLS.values(), *VERSIONED_SYSCTLS.values()]})
        script = "import sys\nfor p in sys.argv[1:]:\n    print(open('/proc/sys/' + p).read().strip().replace('\\t', ' '))\n"
        out = subprocess.run(["ip", "netns", "exec", ns, "python3", "-c", script, *paths],
                             check=True, capture_output=True, text=True, timeout=30).stdout.splitlines()
        live = dict(zip(paths, out))
    finally:
        subprocess.run(["ip", "netns", "delete", ns], check=False)
    mismatches = {}
    for name, (path, conv) in SYSCTLS.items():
        got = conv(live[path])
        if got != pytest.approx(LINUX[name].value):
            mismatches[name] = (LINUX[name].value, got)
    kernel = platform.release()
    for name, (path, conv) in VERSIONED_SYSCTLS.items():
        got = conv(live[path])
        if got != value_for_kernel(name, kernel):
            mismatches[name] = (value_for_kernel(name, kernel), got, kernel)
    assert mismatches == {}


def test_history_ends_with_the_table_value_and_its_since_version():
    for name, rows in HISTORY.items():
        assert [v for v, _ in rows] == sorted(v for v, _ in rows), name
        assert rows[-1][1] == LINUX[name].value, name
        if LINUX[name].since:
            assert ".".join(map(str, rows[-1][0])) == LINUX[name].since, name


def test_tcp_rmem_max_changed_in_6_16():
    assert value_for_kernel("tcp_rmem_max", "6.15.11") == 6 * 2**20
    assert value_for_kernel("tcp_rmem_max", "6.16") == 32 * 2**20
    assert value_for_kernel("tcp_rmem_max", "6.18.44-fc-v1252") == LINUX["tcp_rmem_max"].value
    assert value_for_kernel("somaxconn", "5.3") == 128
    assert value_for_kernel("tcp_rmem_default", "4.19") == 87380
    assert value_for_kernel("TCP_TIMEWAIT_LEN", "4.19") == 60  # no history: same everywhere


@pytest.mark.parametrize("bad", ["", "six", "6.x", "-1"])
def test_value_for_kernel_rejects_bad_versions(bad):
    with pytest.raises(ValueError, match="kernel must look like"):
        value_for_kernel("tcp_rmem_max", bad)


def test_value_for_kernel_rejects_too_old_and_unknown():
    with pytest.raises(ValueError, match="kernel must be at least 3.4"):
        value_for_kernel("tcp_rmem_max", "3.2")
    with pytest.raises(ValueError, match="name must be one of"):
        value_for_kernel("tcp_nope", "6.18")


@given(major=st.integers(0, 99), minor=st.integers(0, 99), tail=st.sampled_from(["", ".3", ".44-generic", "-rc1"]))
def test_value_for_kernel_is_a_table_value_or_a_clear_error(major, minor, tail):
    kernel = f"{major}.{minor}{tail}"
    try:
        got = value_for_kernel("tcp_rmem_max", kernel)
    except ValueError as exc:
        assert (major, minor) < (3, 4) and "at least 3.4" in str(exc)
    else:
        assert got == (32 * 2**20 if (major, minor) >= (6, 16) else 6 * 2**20)


def test_linux_model_has_no_book_tooling():
    """issue 11: the defaults table is a model; gluing into pages lives in tcpkit.book_glue."""
    import ast
    import inspect

    import tcpkit.linux as linux_mod

    tree = ast.parse(inspect.getsource(linux_mod))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not any(m.startswith(("myst_nb", "IPython", "tcpkit.book_glue")) for m in imported)
    assert not hasattr(linux_mod, "glue_defaults")


def test_glue_defaults_outside_a_kernel_does_nothing(capsys):
    from tcpkit.book_glue import glue_defaults

    assert glue_defaults({"x": 1, "y": "text"}) is None
    assert capsys.readouterr() == ("", "")
