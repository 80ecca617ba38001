"""tcpkit.lab.ports: TCP and UDP really share one port number on this kernel."""

from __future__ import annotations

import socket

import pytest

from tcpkit.errors import LabError
from tcpkit.lab.ports import proc_sockets, same_port_demo


@pytest.mark.kernel
def test_same_port_demo_runs_for_real():
    r = same_port_demo()
    assert r.both_worked
    assert 1 <= r.port <= 65535
    # /proc shows a TCP socket and a UDP socket with the same local port
    assert r.tcp_entries and r.udp_entries
    assert all(line.split()[1].endswith(f":{r.port:04X}") for line in r.tcp_entries + r.udp_entries)


@pytest.mark.kernel
def test_same_port_demo_on_a_chosen_port_and_a_busy_one():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    assert same_port_demo(port).port == port
    busy = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        busy.bind(("127.0.0.1", port))
        with pytest.raises(LabError, match=f"cannot bind TCP and UDP to 127.0.0.1:{port}"):
            same_port_demo(port)
    finally:
        busy.close()
    assert proc_sockets("no_such_table", port) == ()


@pytest.mark.parametrize(
    "kwargs, msg",
    [({"port": 70000}, "port must be in [0, 65535], got 70000"),
     ({"timeout": 0}, "timeout must be in (0, 30], got 0")],
)
def test_same_port_demo_messages(kwargs, msg):
    with pytest.raises(ValueError) as e:
        same_port_demo(**kwargs)
    assert str(e.value) == msg
