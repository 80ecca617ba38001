"""Linux retransmission schedules vs the kernel's own numbers (ip-sysctl.rst, tcp-facts §2.1, §9)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tcpkit.linux import LINUX
from tcpkit.timers import (
    data_retransmit_schedule,
    fin_retransmit_schedule,
    orphan_retries,
    retries_timeout,
    syn_retransmit_schedule,
    synack_retransmit_schedule,
)


def model_timeout(boundary: int, rto_base: float, rto_max: float = 120.0) -> float:
    """tcp_model_timeout() re-implemented here from the kernel source text, in floats."""
    thresh = int(math.floor(math.log2(rto_max / rto_base)))
    if boundary <= thresh:
        return ((2 << boundary) - 1) * rto_base
    return ((2 << thresh) - 1) * rto_base + (boundary - thresh) * rto_max


@pytest.mark.parametrize(
    ("retries", "base", "documented"),
    [(15, 0.2, 924.6), (3, 0.2, 3.0), (8, 0.2, 102.2), (6, 1.0, 127.0), (2, 1.0, 7.0)],
)
def test_retries_timeout_matches_formula_and_documentation(retries, base, documented):
    assert retries_timeout(retries, rto_base=base) == pytest.approx(documented)
    assert retries_timeout(retries, rto_base=base) == pytest.approx(model_timeout(retries, base))


@given(st.integers(0, 255), st.sampled_from([0.2, 0.5, 1.0, 3.0]))
def test_retries_timeout_formula_property(retries, base):
    assert retries_timeout(retries, rto_base=base) == pytest.approx(model_timeout(retries, base), abs=1e-6)


def test_defaults_come_from_linux_table():
    s = syn_retransmit_schedule()
    assert s.count_limit == LINUX["tcp_syn_retries"].value + LINUX["tcp_syn_linear_timeouts"].value


# ip-sysctl.rst (tcp_syn_linear_timeouts): "... the SYN retransmits would happen at 1, 2, 3, 4,
# 5, 7, 11, 19, 35, 67 s ... final timeout after 131 s"; before 6.5: 1, 3, 7, 15, 31, 63 → 127 s.
def test_syn_schedule_since_6_5():
    s = syn_retransmit_schedule(retries=6, linear_timeouts=4)
    assert s.sends == (0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67)
    assert s.give_up == 131
    assert s.gaps == (1, 1, 1, 1, 1, 2, 4, 8, 16, 32, 64)


def test_syn_schedule_classic():
    s = syn_retransmit_schedule(retries=6, linear_timeouts=0)
    assert s.sends == (0, 1, 3, 7, 15, 31, 63)
    assert s.give_up == 127 == s.model_timeout


def test_syncnt_2_time_limit_wins():
    # tcp-facts §9 E2, measured on 6.18: TCP_SYNCNT=2 → 5 retransmissions (1…5 s), ETIMEDOUT at 7.1 s.
    s = syn_retransmit_schedule(retries=2, linear_timeouts=4)
    assert s.sends == (0, 1, 2, 3, 4, 5)
    assert s.give_up == 7


# Measured on Linux 6.18 (tcp-facts §9 E1 / E1b): timer slack only ever makes the kernel later.
E1 = (1.0, 2.0, 3.1, 4.1, 5.1, 7.1, 11.3, 19.4, 35.6, 67.8)
E1B = (1.0, 3.1, 7.2, 15.4, 31.5, 65.3)


@pytest.mark.parametrize(("linear", "measured", "etimedout"), [(4, E1, 133.4), (0, E1B, 130.8)])
def test_syn_schedule_vs_measured_kernel(linear, measured, etimedout):
    s = syn_retransmit_schedule(linear_timeouts=linear)
    assert len(s.sends) - 1 == len(measured)
    for model, real in zip(s.sends[1:], measured):
        assert 0 <= real - model <= 2.5
    assert 0 <= etimedout - s.give_up <= 4


def test_syn_rto_capped_at_rto_max():
    s = syn_retransmit_schedule(retries=10, linear_timeouts=0)
    assert max(s.gaps) == 120
    assert s.model_timeout == pytest.approx(model_timeout(10, 1.0))


def test_synack_schedule():
    s = synack_retransmit_schedule()
    assert s.sends == (0, 1, 3, 7, 15, 31)
    assert s.give_up == 63
    assert synack_retransmit_schedule(retries=2).sends == (0, 1, 3)
    assert synack_retransmit_schedule(retries=2).give_up == 7


def test_fin_and_data_schedules():
    # The time budget (tcp_model_timeout) starts at the first retransmission and is checked at each
    # RTO expiry: the kernel gives up at the first expiry at least `budget` after the first retransmission.
    fin = fin_retransmit_schedule()
    assert fin.model_timeout == pytest.approx(102.2)
    expiries = [0.2 * (2**n - 1) for n in range(1, 12)]          # 0.2, 0.6, 1.4, ... (RTO doubling from 200 ms)
    assert fin.give_up == pytest.approx(next(t for t in expiries if t - 0.2 >= 102.2)) == pytest.approx(204.6)
    assert fin.retransmissions == 9
    data = data_retransmit_schedule()
    assert data.model_timeout == pytest.approx(924.6)
    capped = [204.6 + 120 * k for k in range(1, 10)]             # RTO capped at 120 s after 204.6 s
    assert data.give_up == pytest.approx(next(t for t in capped if t - 0.2 >= 924.6)) == pytest.approx(1044.6)
    assert data.retransmissions == 16
    # With a larger connection RTO the same time budget allows fewer retransmissions.
    slow = fin_retransmit_schedule(initial_rto=0.3)
    assert slow.give_up - slow.sends[1] >= 102.2 and slow.retransmissions <= 9
    for a, b in zip(slow.gaps, slow.gaps[1:]):
        assert b == pytest.approx(min(2 * a, 120)) or b >= a


def test_orphan_retries():
    assert orphan_retries(0) == 8 and orphan_retries(5) == 5 and orphan_retries(0, alive=False) == 0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: syn_retransmit_schedule(retries=0), "retries must be in [1, 127], got 0"),
        (lambda: syn_retransmit_schedule(retries=128), "retries must be in [1, 127], got 128"),
        (lambda: syn_retransmit_schedule(linear_timeouts=-1), "linear_timeouts must be in [0, 127], got -1"),
        (lambda: syn_retransmit_schedule(initial_rto=0), "initial_rto must be in [0.001, 120], got 0"),
        (lambda: syn_retransmit_schedule(rto_max=0.5), "rto_max must be in [1, 120], got 0.5"),
        (lambda: synack_retransmit_schedule(retries=256), "retries must be in [1, 255], got 256"),
        (lambda: fin_retransmit_schedule(rto_base=500), "rto_base must be in [0.001, 120], got 500"),
        (lambda: data_retransmit_schedule(retries=0), "retries must be in [1, 255], got 0"),
        (lambda: retries_timeout(-1), "retries must be in [0, 255], got -1"),
        (lambda: orphan_retries(300), "tcp_orphan_retries must be in [0, 255], got 300"),
    ],
)
def test_validator_messages(call, message):
    with pytest.raises(ValueError) as ei:
        call()
    assert str(ei.value) == message


@given(st.one_of(st.integers(max_value=0), st.integers(min_value=128)))
def test_bad_syn_retries_always_named(bad):
    with pytest.raises(ValueError, match="retries"):
        syn_retransmit_schedule(retries=bad)


@given(st.one_of(st.text(max_size=3), st.none(), st.booleans()))
def test_wrong_types_raise_type_error(bad):
    with pytest.raises(TypeError, match="retries"):
        syn_retransmit_schedule(retries=bad)


@given(st.integers(1, 20), st.integers(0, 10))
def test_syn_schedule_invariants(retries, linear):
    s = syn_retransmit_schedule(retries=retries, linear_timeouts=linear)
    assert s.sends[0] == 0 and list(s.sends) == sorted(s.sends)
    assert s.retransmissions <= retries + linear
    assert s.give_up <= max(s.model_timeout, 0) + 120 and s.give_up > s.sends[-1]
    # The first `linear` gaps stay at the initial RTO.
    assert all(g == 1 for g in s.gaps[: min(linear + 1, len(s.gaps))])


def test_data_schedule_agrees_with_the_kernel_checked_capacity_model():
    """tcpkit.capacity.retransmit_giveup is checked against Linux on a veth pair; the two must agree."""
    from tcpkit.capacity import retransmit_giveup

    for retries in (3, 8, 15):
        g = retransmit_giveup(retries=retries)
        d = data_retransmit_schedule(retries=retries)
        assert g.give_up == pytest.approx(d.give_up)
        assert len(g.retransmit_times) == d.retransmissions


@given(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(["initial_rto", "rto_max", "rto_base"]))
def test_every_schedule_checks_its_rto_arguments_by_name(x, name):
    lo = 1.0 if name == "rto_max" else 0.001
    funcs = [fin_retransmit_schedule, data_retransmit_schedule]
    if name != "rto_base":
        funcs += [syn_retransmit_schedule, synack_retransmit_schedule]
    for f in funcs:
        if lo <= x <= 120.0:
            assert f(**{name: x}).give_up > 0
        else:
            with pytest.raises(ValueError, match=f"^{name} must be "):
                f(**{name: x})
    if name != "initial_rto":
        if lo <= x <= 120.0:
            assert retries_timeout(3, **{name: x}) > 0
        else:
            with pytest.raises(ValueError, match=f"^{name} must be "):
                retries_timeout(3, **{name: x})


@given(st.floats(0.001, 120.0), st.floats(1.0, 120.0))
def test_the_model_base_may_not_exceed_rto_max(base, cap):
    # tcp_model_timeout() takes ilog2(rto_max / rto_base): the kernel's base (0.2 s, 1 s) never exceeds rto_max
    calls = [(syn_retransmit_schedule, "initial_rto"), (synack_retransmit_schedule, "initial_rto"),
             (fin_retransmit_schedule, "rto_base"), (data_retransmit_schedule, "rto_base"),
             (lambda **kw: retries_timeout(8, **kw), "rto_base")]
    for f, name in calls:
        if round(base * 1000) <= round(cap * 1000):
            f(**{name: base, "rto_max": cap})
        else:
            with pytest.raises(ValueError) as ei:
                f(**{name: base, "rto_max": cap})
            assert str(ei.value) == f"{name} must be ≤ rto_max ({round(cap * 1000) / 1000:g}), got {round(base * 1000) / 1000:g}"
