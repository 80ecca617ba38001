"""One-off: write the chapter skeleton (titles and the seed headings each page owns)."""
from pathlib import Path

HEADER = """---
jupytext:
  text_representation: {extension: .md, format_name: myst, format_version: 0.13}
kernelspec: {display_name: Python 3, language: python, name: python3}
---
"""
SETUP = """
```{code-cell} ipython3
:tags: [remove-cell]
from tcpkit.linux import glue_defaults
glue_defaults()
```
"""

PAGES = {
 "basics/index": ("basics", "基本概念", ["什么是 TCP？", "如何唯一确定一个 TCP 连接？",
   "有一个 IP 的服务端监听了一个端口，它的 TCP 的最大连接数是多少？",
   "你知道 TCP 和 UDP 吗？它们的区别是什么？分别的应用场景是？", "TCP 和 UDP 可以使用同一个端口吗？",
   "TCP 和 UDP 可以使用同一个端口吗？TCP 和 UDP 可以同时绑定相同的端口吗？",
   "多个 TCP 服务进程可以绑定同一个端口吗？", "客户端的端口可以重复使用吗？", "TCP 协议有什么缺陷？"]),
 "basics/byte_stream": ("byte-stream", "字节流、序列号与报文头", [
   "如何理解 TCP 是面向字节流协议？如何理解字节流？如何解决粘包？", "TCP 序列号和确认号是如何变化的？",
   "为什么 TCP 每次建立连接时，初始化序列号都要不一样呢？"]),
 "congestion/index": ("congestion", "什么是网络拥塞？TCP 是如何应对网络拥塞的？", []),
 "connection/index": ("connection", "TCP 连接", []),
 "connection/handshake": ("handshake", "三次握手", ["TCP 三次握手过程是什么样的？",
   "为什么 TCP 是三次握手，而不是两次或者四次？", "TCP 连接如何确保可靠性？", "第一次握手如果丢失了，会发生什么？",
   "第二次握手如果丢失了，会发生什么？", "第三次握手如果丢失了，会发生什么？", "已建立连接的TCP，收到SYN会发生什么？",
   "HTTPS 中 TLS 和 TCP 能同时握手吗？"]),
 "connection/syn_flood": ("syn-flood", "SYN 攻击与两个监听队列", ["什么是 SYN 攻击？该如何避开？",
   "什么是 TCP 半连接队列和全连接队列？", "SYN 报文什么时候情况下会被丢弃？"]),
 "connection/teardown": ("teardown", "四次挥手", ["TCP 四次挥手的过程是什么样的？为什么需要四次？",
   "如果第一次挥手丢失了，会发生什么？", "如果第二次挥手丢失了，会发生什么？", "如果第三次挥手丢失了，会发生什么？",
   "如果第四次挥手丢失了，会发生什么？", "TCP 四次挥手，可以变成三次吗？什么情况会出现三次挥手？",
   "四次挥手中收到乱序的 FIN 包会如何处理？", "如何关闭一个 TCP 连接？"]),
 "connection/time_wait": ("time-wait", "TIME_WAIT 与 CLOSE_WAIT", ["为什么 TIME_WAIT 等待的时间是 2 MSL？",
   "TIME-WAIT 是什么，这种状态是怎么出现的", "为什么需要 TIME_WAIT 状态？", "TIME_WAIT 过多有什么危害？",
   "服务器出现大量 TIME_WAIT 状态的原因有哪些？",
   "如果站在 TCP 连接层面来看的话，要解决 TIME_WAIT 连接数很多的问题，最直接的方式是怎么去优化",
   "tcp_tw_reuse 为什么默认是关闭的？什么是 TIME_WAIT 状态？为什么要设计 TIME_WAIT 状态？tcptwreuse 是什么？为什么 tcptwreuse 默认是关闭的？",
   "在 TIME_WAIT 状态的 TCP 连接，收到 SYN 后会发生什么？", "在 TIME_WAIT 状态的 TCP 连接，收到 RST 会断开连接吗？",
   "服务器出现大量 CLOSE_WAIT 状态的原因有哪些？"]),
 "connection/faults": ("faults", "故障、保活与数据丢失", ["如果已经建立了连接，但是客户端突然出现故障了怎么办？",
   "如果已经建立了连接，但是服务端的进程崩溃会发生什么？",
   "TCP 的 Keep-Alive 和 HTTP 的 Keep-Alive 是一个东西吗？它们之间有什么区别？",
   "TCP Keepalive 和 HTTP Keep-Alive 是一个东西吗？", "TCP 连接，一端断电和进程崩溃有什么区别？",
   "拔掉网线后， 原本的 TCP 连接还存在吗？", "用了 TCP 协议，数据一定不会丢吗？如果会的话，该怎么解决？"]),
 "connection/socket": ("socket", "Socket 编程", ["针对 TCP 应该如何 Socket 编程？", "listen 时候参数 backlog 的意义？",
   "accept 发生在三次握手的哪一步？", "客户端调用 close 了，连接是断开的流程是什么？", "没有 accept，能建立 TCP 连接吗？",
   "没有 listen，能建立 TCP 连接吗？", "服务端没有 listen，客户端发起连接建立，会发生什么？",
   "不使用 listen ，可以建立 TCP 连接吗？"]),
 "transport/index": ("transport", "TCP 传输", []),
 "transport/mss": ("mss", "MSS 与 IP 分片", ["既然 IP 层会分片，为什么 TCP 层还需要 MSS 呢？"]),
 "transport/flow_control": ("flow-control", "流量控制与滑动窗口", ["TCP 流量控制是怎么实现的？",
   "TCP 滑动窗口机制是如何工作的？它在流量控制中有什么作用？", "TCP 的流量和拥塞控制分别是怎么实现的？"]),
 "transport/retransmission": ("retransmission", "重传与 RTO", ["可以详细介绍一下 TCP 的重传机制吗？"]),
 "transport/congestion_control": ("congestion-control", "拥塞控制算法", [
   "TCP 拥塞控制中的慢启动、拥塞避免、快重传和快恢复阶段分别是什么？它们的作用是什么？", "能说说拥塞控制是怎么实现的吗？"]),
 "transport/tuning": ("tuning", "TCP 调优", ["如何优化 TCP？"]),
 "udp/index": ("udp", "UDP", []),
 "udp/reliable_udp": ("reliable-udp", "基于 UDP 的可靠传输", ["UDP 怎么实现可靠传输？", "如何基于 UDP 协议实现可靠传输？"]),
 "udp/quic": ("quic", "QUIC 与队头阻塞", ["什么是 TCP 队头阻塞问题？", "QUIC 是如何实现可靠传输的？",
   "QUIC 是如何解决 TCP 队头阻塞问题的？", "QUIC 是如何做流量控制的？", "QUIC 是如何迁移连接的？"]),
}

root = Path(__file__).resolve().parent.parent / "book"
for page, (label, title, heads) in PAGES.items():
    p = root / f"{page}.md"
    if p.exists():
        continue
    body = HEADER + f"\n({label})=\n# {title}\n" + SETUP
    for h in heads:
        body += f"\n## {h}\n\n（撰写中）\n"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(body, encoding="utf-8")
    print("wrote", p)
