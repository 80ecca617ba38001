"""BBR v1: pace at the measured bottleneck bandwidth, cap inflight at a multiple of the BDP.

>>> b = BBR(); b.phase.name, round(b.pacing_gain, 3)
('STARTUP', 2.887)
"""

from __future__ import annotations

import random
from collections import deque
from typing import ClassVar

from .._validate import check_int
from .base import INFINITE_SSTHRESH, CongestionController, Phase

__all__ = [
    "BBR",
    "BBR_UNIT",
    "HIGH_GAIN",
    "DRAIN_GAIN",
    "PACING_GAIN_CYCLE",
    "CWND_GAIN",
    "BW_WINDOW_ROUNDS",
    "MIN_RTT_WINDOW_S",
    "PROBE_RTT_DURATION_S",
    "CWND_MIN_TARGET",
    "FULL_BW_THRESH",
    "FULL_BW_COUNT",
    "PACING_MARGIN",
    "CYCLE_RAND",
]

# Constants of net/ipv4/tcp_bbr.c (Linux 4.9+), kept in its fixed-point form.
#: Gains are fractions of BBR_UNIT = 256.
BBR_UNIT = 256
#: ``bbr_high_gain = BBR_UNIT * 2885 / 1000 + 1`` = 739/256 ≈ 2.887 (≈ 2/ln 2), STARTUP pacing and cwnd gain.
HIGH_GAIN = (BBR_UNIT * 2885 // 1000 + 1) / BBR_UNIT
#: ``bbr_drain_gain = BBR_UNIT * 1000 / 2885`` = 88/256 ≈ 0.344 (≈ ln 2 / 2), DRAIN pacing gain.
DRAIN_GAIN = (BBR_UNIT * 1000 // 2885) / BBR_UNIT
#: ``bbr_pacing_gain[]``: the 8-phase PROBE_BW cycle.
PACING_GAIN_CYCLE = (1.25, 0.75, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)
#: ``bbr_cwnd_gain = BBR_UNIT * 2``: PROBE_BW cwnd gain.
CWND_GAIN = 2.0
#: ``bbr_bw_rtts = CYCLE_LEN + 2``: BtlBw is the max delivery rate over 10 rounds.
BW_WINDOW_ROUNDS = len(PACING_GAIN_CYCLE) + 2
#: ``bbr_min_rtt_win_sec = 10``: RTprop is the min RTT over 10 s.
MIN_RTT_WINDOW_S = 10.0
#: ``bbr_probe_rtt_mode_ms = 200``: time spent at the minimum window in PROBE_RTT.
PROBE_RTT_DURATION_S = 0.2
#: ``bbr_cwnd_min_target = 4``: cwnd floor, and the PROBE_RTT window.
CWND_MIN_TARGET = 4.0
#: ``bbr_full_bw_thresh = BBR_UNIT * 5 / 4``: bandwidth must grow 25 % per round in STARTUP…
FULL_BW_THRESH = 1.25
#: ``bbr_full_bw_cnt = 3``: …or STARTUP ends after 3 rounds without that growth.
FULL_BW_COUNT = 3
#: ``bbr_pacing_margin_percent = 1``: pace 1 % below the estimate.
PACING_MARGIN = 0.01
#: ``bbr_cycle_rand = 7``: PROBE_BW starts at a random phase other than the 0.75 one.
CYCLE_RAND = 7

_INF = float("inf")
_CYCLE_LEN = len(PACING_GAIN_CYCLE)
_PACE_KEEP = 1.0 - PACING_MARGIN
#: Samples above min_rtt − 0.4 µs round (to 1 µs) to min_rtt or more: no need to round them.
_ROUND_GUARD = 4e-7
_MODE_PHASE = {"startup": Phase.STARTUP, "drain": Phase.DRAIN, "probe_bw": Phase.PROBE_BW, "probe_rtt": Phase.PROBE_RTT}


class BBR(CongestionController):
    """BBR version 1 as in Linux ``net/ipv4/tcp_bbr.c`` (simplified, see Notes).

    Parameters
    ----------
    cwnd, ssthresh : float
        As for :class:`~tcpkit.congestion.base.CongestionController`; BBR
        keeps ssthresh "infinite" whatever is given, like Linux BBR.
    seed : int
        Seed of the random PROBE_BW start phase, in [0, 2**32 − 1].

    Attributes
    ----------
    mode : str
        ``"startup"``, ``"drain"``, ``"probe_bw"`` or ``"probe_rtt"``.
    btl_bw : float
        BtlBw estimate, segments/s (windowed max of delivery-rate samples).
    min_rtt : float
        RTprop estimate, seconds (windowed min of RTT samples).
    pacing_gain, cwnd_gain : float
        Current gains.

    Notes
    -----
    Follows ``tcp_bbr.c`` (Cardwell et al. 2016, Linux 4.9):

    * BtlBw = max delivery rate over ``BW_WINDOW_ROUNDS`` (10) round trips;
      RTprop = min RTT over ``MIN_RTT_WINDOW_S`` (10 s) (``bbr_update_bw``,
      ``bbr_update_min_rtt``);
    * pacing_rate = pacing_gain × BtlBw × (1 − 1 %); cwnd target =
      cwnd_gain × BtlBw × RTprop, at least 4 (``bbr_set_pacing_rate``,
      ``bbr_set_cwnd``); before the first RTT sample the sender is unpaced
      (Linux paces at high_gain × cwnd / 1 ms), at the first sample the rate
      starts at high_gain × cwnd / RTT × (1 − 1 %)
      (``bbr_init_pacing_rate_from_rtt``), and until STARTUP has filled the
      pipe a new rate only replaces a lower one (``bbr_set_pacing_rate``:
      ``if (bbr_full_bw_reached(sk) || rate > sk->sk_pacing_rate)``);
    * STARTUP (gains 2.887) until BtlBw grew < 25 % for 3 rounds; DRAIN
      (pacing 0.344) until inflight ≤ BDP; PROBE_BW cycles the gains
      ``1.25, 0.75, 1 ×6`` each ≈ RTprop (``bbr_is_next_cycle_phase``);
      PROBE_RTT (cwnd 4 for ≥ 200 ms and one round) when RTprop was not
      refreshed for 10 s.
    * Loss: packet conservation in recovery (cwnd = segments in the network,
      the simulator's SACK/FACK "pipe"), prior cwnd restored when recovery ends; RTO: cwnd = 1
      and the STARTUP bandwidth plateau detector restarts
      (``bbr_set_cwnd_to_recover_or_restore``, ``CA_EVENT_LOSS``). ssthresh
      never changes.

    Simplifications: no long-term (policer) bandwidth model, no ACK
    aggregation allowance, no TSO quantization budget, rounds are counted
    from delivered segments, not per-packet ``delivered`` stamps.

    Examples
    --------
    >>> b = BBR()
    >>> for i in range(200):   # 10 ms path delivering 1000 segments/s
    ...     b.on_sample(now=i * 0.001, rtt=0.010, rate=1000.0, inflight=10)
    >>> [mode for _, mode, _ in b.history][:3], round(b.btl_bw), b.min_rtt
    (['startup', 'drain', 'probe_bw'], 1000, 0.01)
    """

    name: ClassVar[str] = "bbr"
    recovery: ClassVar[str] = "sack"
    beta: ClassVar[float | None] = None
    wants_samples: ClassVar[bool] = True

    def __init__(self, *, cwnd: float | None = None, ssthresh: float | None = None, seed: int = 0) -> None:
        super().__init__(cwnd=cwnd, ssthresh=ssthresh)
        self.ssthresh = INFINITE_SSTHRESH
        self._rng = random.Random(check_int("seed", seed, lo=0, hi=2**32 - 1))
        self.init_cwnd = self.cwnd
        self.mode = "startup"
        self.pacing_gain = HIGH_GAIN
        self.cwnd_gain = HIGH_GAIN
        self.btl_bw = 0.0
        self.min_rtt = float("inf")
        self.min_rtt_stamp = 0.0
        self.delivered = 0.0
        self.round_count = 0
        self.next_round_delivered = 0.0
        self.round_start = False
        self._bw_rounds: deque[float] = deque(maxlen=BW_WINDOW_ROUNDS)
        self._round_max = 0.0
        self.full_bw = 0.0
        self.full_bw_count = 0
        self.full_bw_reached = False
        self.cycle_index = 0
        self.cycle_stamp = 0.0
        self.probe_rtt_done_stamp: float | None = None
        self.probe_rtt_round_done = False
        self.prior_cwnd = self.cwnd
        self.pacing_rate = None
        #: (time, mode, pacing_gain) each time the mode or the PROBE_BW phase changes.
        self.history: list[tuple[float, str, float]] = [(0.0, "startup", HIGH_GAIN)]

    @property
    def phase(self) -> Phase:
        return _MODE_PHASE[self.mode]

    @property
    def bdp(self) -> float:
        """BtlBw × RTprop in segments (0 before the first samples)."""
        if self.btl_bw <= 0.0 or self.min_rtt == float("inf"):
            return 0.0
        return self.btl_bw * self.min_rtt

    def _set_mode(self, now: float, mode: str, pacing_gain: float, cwnd_gain: float) -> None:
        self.mode = mode
        self.pacing_gain = pacing_gain
        self.cwnd_gain = cwnd_gain
        self.history.append((now, mode, pacing_gain))

    def _enter_probe_bw(self, now: float) -> None:
        # Linux: cycle_idx = CYCLE_LEN - 1 - rand(bbr_cycle_rand), then advance → never starts at 0.75
        self.cycle_index = (len(PACING_GAIN_CYCLE) - 1 - self._rng.randrange(CYCLE_RAND) + 1) % len(PACING_GAIN_CYCLE)
        self.cycle_stamp = now
        self._set_mode(now, "probe_bw", PACING_GAIN_CYCLE[self.cycle_index], CWND_GAIN)

    def _ack(self, now: float, acked: float, rtt: float, inflight: float, rate: float) -> None:
        """Nothing: BBR updates its model and window per delivered segment in :meth:`on_sample`."""

    def _sample(self, now: float, rtt: float, rate: float, inflight: float, acked: float) -> None:
        """Update BtlBw, RTprop, the mode, the pacing rate and cwnd (``bbr_main``) for ``acked`` delivered segments.

        Runs on every ACK of the per-ACK simulator, so state is read into
        locals once. ``round(rtt, 6)`` is only computed when the sample can
        replace RTprop: ``min_rtt`` is already a whole number of µs, so a raw
        sample above ``min_rtt − 0.4 µs`` rounds to ``min_rtt`` or more and
        cannot pass the strict ``<``.
        """
        delivered = self.delivered + acked
        self.delivered = delivered
        btl_bw = self.btl_bw
        # -- round counting (bbr_update_bw) ---------------------------------
        if delivered >= self.next_round_delivered:
            self.next_round_delivered = delivered + inflight
            self.round_count += 1
            round_start = True
            rounds = self._bw_rounds
            rounds.append(self._round_max)
            self._round_max = 0.0
            btl_bw = max(rounds)
        else:
            round_start = False
        self.round_start = round_start
        if rate > self._round_max:
            self._round_max = rate
            if rate > btl_bw:
                btl_bw = rate
        self.btl_bw = btl_bw
        # -- RTprop (bbr_update_min_rtt) ------------------------------------
        min_rtt = self.min_rtt
        expired = now - self.min_rtt_stamp > MIN_RTT_WINDOW_S
        if expired or rtt < min_rtt - _ROUND_GUARD:
            rtt = round(rtt, 6)
            if rtt > 0.0 and (rtt < min_rtt or expired):
                self.min_rtt = min_rtt = rtt
                self.min_rtt_stamp = now
        bdp = btl_bw * min_rtt if (btl_bw > 0.0 and min_rtt != _INF) else 0.0
        mode = self._update_mode(now, inflight, bdp, btl_bw, min_rtt, round_start, expired, delivered)
        # -- pacing and cwnd (bbr_set_pacing_rate, bbr_set_cwnd) ------------
        full = self.full_bw_reached
        pr = self.pacing_rate
        if pr is None:  # bbr_init_pacing_rate_from_rtt(): first RTT sample
            self.pacing_rate = pr = HIGH_GAIN * self.cwnd / max(round(rtt, 6), 1e-6) * (1.0 - PACING_MARGIN)
        if btl_bw > 0.0:
            rate_out = self.pacing_gain * btl_bw * _PACE_KEEP
            if full or rate_out > pr:
                self.pacing_rate = rate_out
        target = self.cwnd_gain * bdp
        if target < CWND_MIN_TARGET:
            target = CWND_MIN_TARGET
        cwnd = self.cwnd
        if full:
            cwnd = cwnd + acked
            if cwnd > target:
                cwnd = target
        elif cwnd < target or delivered < self.init_cwnd:
            cwnd = cwnd + acked
        if cwnd < CWND_MIN_TARGET:
            cwnd = CWND_MIN_TARGET
        if mode == "probe_rtt" and cwnd > CWND_MIN_TARGET:
            cwnd = CWND_MIN_TARGET
        self.cwnd = cwnd

    def _update_mode(
        self, now: float, inflight: float, bdp: float, btl_bw: float, min_rtt: float, round_start: bool,
        expired: bool, delivered: float,
    ) -> str:
        """The state machine: STARTUP → DRAIN → PROBE_BW, and PROBE_RTT when RTprop expired; the new mode."""
        mode = self.mode
        if mode == "startup":
            if round_start and not self.full_bw_reached:
                if btl_bw >= self.full_bw * FULL_BW_THRESH:
                    self.full_bw = btl_bw
                    self.full_bw_count = 0
                else:
                    self.full_bw_count += 1
                    if self.full_bw_count >= FULL_BW_COUNT:
                        self.full_bw_reached = True
            if self.full_bw_reached:
                self._set_mode(now, "drain", DRAIN_GAIN, HIGH_GAIN)
                mode = "drain"
        if mode == "drain":
            if inflight <= bdp:
                self._enter_probe_bw(now)
                mode = "probe_bw"
        elif mode == "probe_bw":
            gain = self.pacing_gain
            elapsed = now - self.cycle_stamp > min_rtt
            if gain > 1.0:
                nxt = elapsed and inflight >= gain * bdp
            elif gain < 1.0:
                nxt = elapsed or inflight <= bdp
            else:
                nxt = elapsed
            if nxt:
                idx = (self.cycle_index + 1) % _CYCLE_LEN
                self.cycle_index = idx
                self.cycle_stamp = now
                self._set_mode(now, "probe_bw", PACING_GAIN_CYCLE[idx], CWND_GAIN)
        # -- PROBE_RTT (bbr_update_min_rtt) ---------------------------------
        if expired and mode != "probe_rtt" and delivered > self.init_cwnd:
            self.prior_cwnd = max(self.prior_cwnd, self.cwnd)
            self._set_mode(now, "probe_rtt", 1.0, 1.0)
            self.probe_rtt_done_stamp = None
            mode = "probe_rtt"
        if mode == "probe_rtt":
            if self.probe_rtt_done_stamp is None and inflight <= CWND_MIN_TARGET:
                self.probe_rtt_done_stamp = now + PROBE_RTT_DURATION_S
                self.probe_rtt_round_done = False
                self.next_round_delivered = delivered + inflight
            elif self.probe_rtt_done_stamp is not None:
                if round_start:
                    self.probe_rtt_round_done = True
                if self.probe_rtt_round_done and now >= self.probe_rtt_done_stamp:
                    self.min_rtt_stamp = now
                    self.cwnd = max(self.cwnd, self.prior_cwnd)
                    if self.full_bw_reached:
                        self._enter_probe_bw(now)
                    else:
                        self._set_mode(now, "startup", HIGH_GAIN, HIGH_GAIN)
                    mode = self.mode
        return mode

    def _loss(self, now: float, flight_size: float) -> None:
        """Enter recovery: save cwnd, packet conservation (cwnd = segments in the network)."""
        self.prior_cwnd = self.cwnd
        self.cwnd = max(float(flight_size), CWND_MIN_TARGET)
        self.in_recovery = True

    def _dup_ack(self, now: float) -> None:
        """Nothing: the pipe estimate already lets one segment out per segment delivered."""

    def _partial_ack(self, now: float, acked: float) -> None:
        """Nothing: BBR does not deflate."""

    def _recovery_end(self, now: float, flight_size: float) -> None:
        """Leave recovery and restore the saved cwnd (``bbr_set_cwnd_to_recover_or_restore``)."""
        self.in_recovery = False
        self.cwnd = max(self.cwnd, self.prior_cwnd, CWND_MIN_TARGET)

    def _timeout(self, now: float, flight_size: float) -> None:
        """cwnd = 1, remember the window, restart the STARTUP plateau detector (``CA_EVENT_LOSS``)."""
        self.prior_cwnd = max(self.prior_cwnd, self.cwnd)
        self.cwnd = 1.0
        self.in_recovery = False
        self.full_bw = 0.0
        self.full_bw_count = 0
        self.round_start = True
