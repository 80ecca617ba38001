"""The Linux TCP defaults the book quotes — one frozen table, each entry with its source.

>>> LINUX["tcp_syn_retries"].value
6

Chapters never retype a Linux number: they read it from :data:`LINUX` (the
book glues every entry into its pages as ``{glue:}`linux_<name>``` with
:func:`tcpkit.book_glue.glue_defaults`, which is book tooling, not part of
this model). Models take their default parameters from here too.

Values are those of a current mainline kernel (read in source, and measured
on Linux 6.18 on loopback; see ``../shared/tcp-facts.md`` §0 and §2). Where a
default changed, ``since`` names the kernel version and ``note`` the old value;
:func:`value_for_kernel` gives the value of such an entry for an older kernel
(the history is in :data:`HISTORY`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["LinuxDefault", "LINUX", "HISTORY", "value", "value_for_kernel", "defaults_table_rows"]

Number = int | float


@dataclass(frozen=True, slots=True)
class LinuxDefault:
    """One Linux default: its value, unit, where it is defined, and what it means."""

    name: str
    value: Number
    unit: str
    source: str
    meaning: str
    since: str = ""
    note: str = ""


def _d(name: str, value: Number, unit: str, source: str, meaning: str, since: str = "", note: str = "") -> LinuxDefault:
    return LinuxDefault(name, value, unit, source, meaning, since, note)


_ENTRIES: tuple[LinuxDefault, ...] = (
    # --- timers -----------------------------------------------------------
    _d("TCP_TIMEOUT_INIT", 1.0, "s", "include/net/tcp.h TCP_TIMEOUT_INIT (1*HZ); RFC 6298 §2.1",
       "初始 RTO（SYN、SYN-ACK 与第一个数据段）"),
    _d("TCP_TIMEOUT_FALLBACK", 3.0, "s", "include/net/tcp.h TCP_TIMEOUT_FALLBACK; RFC 6298 §5.7",
       "握手发生过重传时，数据阶段的初始 RTO"),
    _d("TCP_RTO_MIN", 0.2, "s", "include/net/tcp.h TCP_RTO_MIN (HZ/5); sysctl tcp_rto_min_us=200000",
       "RTO 下限（作用于方差项）"),
    _d("TCP_RTO_MAX", 120.0, "s", "include/net/tcp.h TCP_RTO_MAX (120*HZ); sysctl tcp_rto_max_ms=120000",
       "RTO 上限"),
    _d("tcp_syn_retries", 6, "次", "include/net/tcp.h TCP_SYN_RETRIES; Documentation/networking/ip-sysctl.rst",
       "主动打开时 SYN 的最大重传次数", note="Linux 3.7 之前为 5"),
    _d("tcp_syn_linear_timeouts", 4, "次", "net/ipv4/tcp_ipv4.c tcp_sk_init(); ip-sysctl.rst",
       "SYN 重传中前 N 次退避保持线性（不翻倍）", since="6.5", note="6.5 之前不存在，相当于 0"),
    _d("tcp_synack_retries", 5, "次", "include/net/tcp.h TCP_SYNACK_RETRIES; ip-sysctl.rst",
       "被动打开时 SYN-ACK 的最大重传次数"),
    _d("tcp_retries1", 3, "次", "include/net/tcp.h TCP_RETR1; ip-sysctl.rst",
       "重传多少次后让 IP 层重新检查路由 / MTU"),
    _d("tcp_retries2", 15, "次", "include/net/tcp.h TCP_RETR2; ip-sysctl.rst",
       "已建立连接上数据重传的上限（按时间模型换算约 924.6 s）"),
    _d("tcp_orphan_retries", 0, "次", "ip-sysctl.rst; net/ipv4/tcp_timer.c tcp_orphan_retries()",
       "孤儿连接（已 close）FIN 重传次数；0 表示按 8 次处理"),
    _d("tcp_orphan_retries_effective", 8, "次", "net/ipv4/tcp_timer.c tcp_orphan_retries(): 0 → 8 when alive",
       "tcp_orphan_retries=0 时实际使用的次数"),
    _d("tcp_fin_timeout", 60, "s", "include/net/tcp.h TCP_FIN_TIMEOUT; ip-sysctl.rst",
       "孤儿 FIN_WAIT_2 的存活时间"),
    _d("TCP_FIN_TIMEOUT_MAX", 120, "s", "include/net/tcp.h TCP_FIN_TIMEOUT_MAX",
       "TCP_LINGER2 可设置的上限"),
    _d("TCP_TIMEWAIT_LEN", 60, "s", "include/net/tcp.h TCP_TIMEWAIT_LEN (60*HZ)",
       "TIME_WAIT 持续时间（固定值，不由 MSL 推导）"),
    _d("tcp_keepalive_time", 7200, "s", "include/net/tcp.h TCP_KEEPALIVE_TIME; ip-sysctl.rst",
       "连接空闲多久后开始发送保活探测"),
    _d("tcp_keepalive_intvl", 75, "s", "include/net/tcp.h TCP_KEEPALIVE_INTVL; ip-sysctl.rst",
       "保活探测的间隔"),
    _d("tcp_keepalive_probes", 9, "次", "include/net/tcp.h TCP_KEEPALIVE_PROBES; ip-sysctl.rst",
       "多少次探测无应答后判定对端死亡"),
    _d("TCP_DELACK_MIN", 0.04, "s", "include/net/tcp.h TCP_DELACK_MIN (HZ/25)",
       "延迟确认的起始时间（ATO 最小值）"),
    _d("TCP_DELACK_MAX", 0.2, "s", "include/net/tcp.h TCP_DELACK_MAX (HZ/5)",
       "交互（pingpong）模式下延迟确认的上限"),
    # --- queues -----------------------------------------------------------
    _d("somaxconn", 4096, "个", "net/core/net_namespace.c / ip-sysctl.rst net.core.somaxconn",
       "listen() 的 backlog 上限", since="5.4", note="5.4 之前为 128"),
    _d("tcp_max_syn_backlog", 2048, "个", "net/ipv4/tcp_ipv4.c tcp_set_hashinfo(): max(128, ehash/128); measured on 6.18",
       "syncookies 关闭时半连接队列的上限（取值与内存有关，此为实测）"),
    _d("tcp_syncookies", 1, "", "ip-sysctl.rst tcp_syncookies",
       "0 关闭；1 半连接队列溢出时启用；2 总是启用"),
    _d("tcp_abort_on_overflow", 0, "", "ip-sysctl.rst tcp_abort_on_overflow",
       "全连接队列满时：0 丢弃第三次握手的 ACK；1 回 RST"),
    _d("python_listen_default_backlog", 128, "个", "CPython Modules/socketmodule.c sock_listen(): min(SOMAXCONN, 128)",
       "Python socket.listen() 不带参数时的 backlog"),
    _d("netdev_max_backlog", 1000, "个", "ip-sysctl / net.core.netdev_max_backlog",
       "每 CPU 的网卡收包积压队列长度"),
    _d("MAX_SYNCOOKIE_AGE", 2, "分钟", "include/net/tcp.h MAX_SYNCOOKIE_AGE",
       "SYN cookie 的有效分钟计数差"),
    # --- ports and TIME_WAIT ---------------------------------------------
    _d("ip_local_port_range_low", 32768, "", "ip-sysctl.rst ip_local_port_range",
       "临时端口范围下界"),
    _d("ip_local_port_range_high", 60999, "", "ip-sysctl.rst ip_local_port_range",
       "临时端口范围上界"),
    _d("tcp_tw_reuse", 2, "", "ip-sysctl.rst tcp_tw_reuse; commit 79e9fed46038",
       "0 关闭；1 全局开启；2 仅回环地址", since="4.18", note="4.18 之前默认 0"),
    _d("tcp_tw_reuse_delay", 1.0, "s", "ip-sysctl.rst tcp_tw_reuse_delay (1000 ms)",
       "复用 TIME_WAIT 前距最后一个时间戳的最短时间", since="6.14", note="6.14 之前硬编码 1 s"),
    _d("tcp_max_tw_buckets", 131072, "个", "net/ipv4/tcp_ipv4.c tcp_set_hashinfo(): ehash_entries/2; measured on 6.18",
       "TIME_WAIT 条目上限（取值与内存有关，此为实测）"),
    _d("tcp_rfc1337", 0, "", "ip-sysctl.rst tcp_rfc1337; tcp_minisocks.c tcp_timewait_state_process()",
       "0：TIME_WAIT 收到合法 RST 即删除；1：忽略"),
    # --- transfer ---------------------------------------------------------
    _d("TCP_INIT_CWND", 10, "段", "include/net/tcp.h TCP_INIT_CWND; RFC 6928",
       "初始拥塞窗口"),
    _d("TCP_INFINITE_SSTHRESH", 0x7FFFFFFF, "段", "include/net/tcp.h TCP_INFINITE_SSTHRESH",
       "初始慢启动阈值（“无穷大”）"),
    _d("tcp_reordering", 3, "个", "ip-sysctl.rst tcp_reordering; TCP_FASTRETRANS_THRESH",
       "触发快速重传的重复 ACK 门限"),
    _d("TCP_MAX_WSCALE", 14, "", "include/net/tcp.h TCP_MAX_WSCALE; RFC 7323 §2.3",
       "窗口扩大因子的最大移位"),
    _d("TCP_MSS_DEFAULT", 536, "B", "include/uapi/linux/tcp.h TCP_MSS_DEFAULT; RFC 9293 §3.7.1",
       "对端未带 MSS 选项时假定的 MSS（IPv4）"),
    _d("TCP_MSS_DESIRED_V6", 1220, "B", "include/uapi/linux/tcp.h TCP_MSS_DESIRED",
       "IPv6 的默认 MSS"),
    _d("TCP_MIN_MSS", 88, "B", "include/net/tcp.h TCP_MIN_MSS", "MSS 的最小值"),
    _d("tcp_min_snd_mss", 48, "B", "ip-sysctl.rst tcp_min_snd_mss", "对端通告 MSS 的下限"),
    _d("loopback_mss", 65495, "B", "measured on 6.18 in SYNs on lo: min(MTU 65536, IPv4 max 65535) − 40", "回环接口上的 MSS"),
    _d("tcp_rmem_default", 131072, "B", "ip-sysctl.rst tcp_rmem[1] (\"results in initial window of 65535\"); "
       "commit a337531b942b", "接收缓冲区初始大小", since="4.20", note="4.20 之前为 87380"),
    _d("tcp_wmem_default", 16384, "B", "ip-sysctl.rst tcp_wmem[1]", "发送缓冲区初始大小"),
    _d("cubic_beta", 717 / 1024, "", "net/ipv4/tcp_cubic.c beta=717 / BICTCP_BETA_SCALE", "CUBIC 乘性减因子"),
    _d("cubic_c", 410 / 1024, "", "net/ipv4/tcp_cubic.c bic_scale=41 → 410/1024", "CUBIC 常数 C"),
    _d("ipfrag_time", 30, "s", "ip-sysctl.rst ipfrag_time", "IP 分片重组超时"),
    _d("ip_default_ttl", 64, "", "ip-sysctl.rst ip_default_ttl", "IP 默认 TTL"),
    # --- connection capacity (added by the lab area) ----------------------
    _d("nr_open", 1048576, "个", "fs/file.c sysctl_nr_open = 1024*1024; measured on 6.18",
       "单个进程 RLIMIT_NOFILE 能设到的上限（fs.nr_open）"),
    _d("INR_OPEN_CUR", 1024, "个", "include/uapi/linux/fs.h INR_OPEN_CUR",
       "进程默认的打开文件数软限制（ulimit -n）"),
    _d("slab_tcp_sock", 2368, "B", "measured on 6.18: /proc/slabinfo objsize of the TCP cache (struct tcp_sock)",
       "一个完整 TCP socket 的内核结构体大小（随内核版本与配置变化）"),
    _d("slab_socket_fd", 1216, "B", "measured on 6.18: /proc/slabinfo sock_inode_cache 832 + filp 192 + dentry 192",
       "socket 的 inode、file、dentry（有 fd 的 socket 才有）"),
    _d("slab_tw_sock", 256, "B", "measured on 6.18: /proc/slabinfo objsize of tw_sock_TCP (struct tcp_timewait_sock)",
       "一个 TIME_WAIT（或孤儿 FIN_WAIT_2）迷你 socket 的大小"),
    _d("slab_request_sock", 320, "B", "measured on 6.18: /proc/slabinfo objsize of request_sock_TCP",
       "一个半连接（request sock）的大小"),
    # --- transport (flow control, retransmission, tuning); added by the transport chapter ---
    _d("tcp_window_scaling", 1, "", "ip-sysctl.rst tcp_window_scaling; RFC 7323 §2",
       "启用窗口扩大选项"),
    _d("tcp_timestamps", 1, "", "ip-sysctl.rst tcp_timestamps; RFC 7323 §3",
       "0 关闭；1 启用（每连接随机偏移）；2 启用但不加偏移"),
    _d("tcp_sack", 1, "", "ip-sysctl.rst tcp_sack; RFC 2018", "启用选择性确认 SACK"),
    _d("tcp_dsack", 1, "", "ip-sysctl.rst tcp_dsack; RFC 2883", "允许发送 D-SACK（报告重复收到的数据）"),
    _d("tcp_recovery", 1, "", "ip-sysctl.rst tcp_recovery (0x1 = RACK); RFC 8985",
       "丢包检测方式位图：0x1 启用 RACK"),
    _d("tcp_early_retrans", 3, "", "ip-sysctl.rst tcp_early_retrans; RFC 8985 TLP",
       "尾部丢包探测 TLP：3 表示启用"),
    _d("tcp_frto", 2, "", "ip-sysctl.rst tcp_frto; RFC 5682", "F-RTO：检测虚假超时重传（0 关闭，非 0 启用）"),
    _d("tcp_max_reordering", 300, "个", "ip-sysctl.rst tcp_max_reordering", "乱序度（重复 ACK 门限）的上限"),
    _d("tcp_thin_linear_timeouts", 0, "", "ip-sysctl.rst tcp_thin_linear_timeouts",
       "对“细流”使用线性（不翻倍）超时；默认关闭"),
    _d("tcp_fastopen", 1, "", "ip-sysctl.rst tcp_fastopen; RFC 7413",
       "TFO 位图：0x1 客户端启用，0x2 服务端启用"),
    _d("tcp_slow_start_after_idle", 1, "", "ip-sysctl.rst tcp_slow_start_after_idle; net/ipv4/tcp_output.c "
       "tcp_cwnd_restart(); RFC 2861, RFC 5681 §4.1",
       "空闲超过一个 RTO 后，每空闲一个 RTO 把 cwnd 减半，但不低于初始窗口"),
    _d("tcp_adv_win_scale", 1, "", "ip-sysctl.rst tcp_adv_win_scale (\"Obsolete since linux-6.6\"); commit b49960a05e32",
       "旧内核按 缓冲区/2^N 估算开销：1 表示只有一半缓冲区通告为窗口", since="3.4",
       note="3.4 之前为 2（commit b49960a05e32）；6.6 起不再使用，改用 scaling_ratio"),
    _d("TCP_DEFAULT_SCALING_RATIO", 0.5, "", "include/net/tcp.h TCP_DEFAULT_SCALING_RATIO (1 << (TCP_RMEM_TO_WIN_SCALE-1)) "
       "/ 256; updated from skb->len/skb->truesize in tcp_measure_rcv_mss()",
       "新连接假定的 窗口/缓冲区 比例（之后按实测的 skb 有效载荷比例更新）"),
    _d("tcp_moderate_rcvbuf", 1, "", "ip-sysctl.rst tcp_moderate_rcvbuf", "接收缓冲区自动调节"),
    _d("tcp_autocorking", 1, "", "ip-sysctl.rst tcp_autocorking", "自动合并小写操作（类似 TCP_CORK）"),
    _d("tcp_rmem_min", 4096, "B", "ip-sysctl.rst tcp_rmem[0]", "接收缓冲区最小值"),
    _d("tcp_rmem_max", 33554432, "B",
       "net/ipv4/tcp.c tcp_init(): max(131072, min(32 MiB, RAM/128)); ip-sysctl.rst tcp_rmem[2]: "
       "between 131072 and 32MB depending on RAM; netdev patch \"tcp: increase tcp_rmem[2] to 32 MB\" "
       "(E. Dumazet, 2025-05-13); measured 33554432 on 6.18",
       "接收缓冲区自动调节的上限", since="6.16",
       note="3.4 至 6.15 为 6 MiB（6291456，commit b49960a05e32）；内存小的机器更低"),
    _d("tcp_wmem_min", 4096, "B", "ip-sysctl.rst tcp_wmem[0]", "发送缓冲区最小值"),
    _d("tcp_wmem_max", 4194304, "B", "ip-sysctl.rst tcp_wmem[2]: between 64 KiB and 4 MB depending on RAM",
       "发送缓冲区自动调节的上限", note="依内存大小而定，此为文档给出的典型上限 4 MiB"),
    _d("tcp_notsent_lowat", 4294967295, "B", "ip-sysctl.rst tcp_notsent_lowat (default UINT_MAX)",
       "发送队列中未发送数据的低水位；默认不限制"),
    _d("TCP_MAX_QUICKACKS", 16, "个", "include/net/tcp.h TCP_MAX_QUICKACKS",
       "快速确认（quickack）模式下最多立即确认的次数"),    _d("tcp_invalid_ratelimit", 0.5, "s", "ip-sysctl.rst tcp_invalid_ratelimit (500 ms); tcp_oow_rate_limited()",
       "对无效报文（重复 SYN、窗口外报文等）回 ACK/SYN-ACK 的最小间隔"),
)

#: Name → :class:`LinuxDefault`. Read-only.
LINUX: Mapping[str, LinuxDefault] = MappingProxyType({d.name: d for d in _ENTRIES})

#: Name → ((first kernel version, value), …) in ascending order, for the defaults
#: whose value depends on the kernel version. The last row equals :data:`LINUX`.
#: Sources are the ``source`` / ``note`` of the entry in :data:`LINUX`.
HISTORY: Mapping[str, tuple[tuple[tuple[int, int], Number], ...]] = MappingProxyType({
    "somaxconn": (((0, 0), 128), ((5, 4), 4096)),
    "tcp_syn_retries": (((0, 0), 5), ((3, 7), 6)),
    "tcp_syn_linear_timeouts": (((0, 0), 0), ((6, 5), 4)),
    "tcp_tw_reuse": (((0, 0), 0), ((4, 18), 2)),
    "tcp_rmem_max": (((3, 4), 6291456), ((6, 16), 33554432)),
    "tcp_rmem_default": (((0, 0), 87380), ((4, 20), 131072)),
    "tcp_adv_win_scale": (((0, 0), 2), ((3, 4), 1)),
})


def value(name: str) -> Number:
    """Return the value of the Linux default ``name``.

    Raises
    ------
    ValueError
        If ``name`` is not in :data:`LINUX` (the message lists the valid names).
    """
    try:
        return LINUX[name].value
    except KeyError:
        raise ValueError(f"name must be one of {', '.join(sorted(LINUX))}, got {name!r}") from None


def _parse_version(kernel: str) -> tuple[int, int]:
    m = re.match(r"(\d+)\.(\d+)", kernel) if isinstance(kernel, str) else None
    if m is None:
        raise ValueError(f"kernel must look like '6.18' or '6.18.44-…', got {kernel!r}")
    return int(m.group(1)), int(m.group(2))


def value_for_kernel(name: str, kernel: str) -> Number:
    """The default ``name`` on Linux ``kernel`` (``"6.15"``, or a ``uname -r`` string).

    Entries without a version history (see :data:`HISTORY`) have the same value
    on every kernel the book discusses.

    >>> value_for_kernel("tcp_rmem_max", "6.15") == 6 * 2**20
    True
    >>> value_for_kernel("tcp_rmem_max", "6.18.44-generic") == 32 * 2**20
    True

    Raises
    ------
    ValueError
        If ``name`` is not in :data:`LINUX`, if ``kernel`` is not a version
        string, or if ``kernel`` is older than the first version recorded.
    """
    current = value(name)
    ver = _parse_version(kernel)
    rows = HISTORY.get(name)
    if rows is None:
        return current
    if ver < rows[0][0]:
        raise ValueError(f"kernel must be at least {rows[0][0][0]}.{rows[0][0][1]} for {name}, got {kernel!r}")
    return [v for since, v in rows if since <= ver][-1]


def defaults_table_rows() -> list[tuple[str, str, str, str, str]]:
    """Rows (name, value with unit, meaning, since/note, source) for the appendix table."""
    rows = []
    for d in _ENTRIES:
        v = f"{d.value:g}" if isinstance(d.value, float) else str(d.value)
        hist = "；".join(x for x in (f"自 {d.since} 起" if d.since else "", d.note) if x)
        rows.append((d.name, f"{v} {d.unit}".strip(), d.meaning, hist, d.source))
    return rows
