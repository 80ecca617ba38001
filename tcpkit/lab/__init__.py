"""The live Linux lab: real sockets on loopback, the kernel's states beside the model's.

>>> from tcpkit.lab import EXPERIMENTS; "active_close" in EXPERIMENTS
True

Run ``run_experiment("active_close")`` on Linux and print ``.table()``: every
step lists the state of each socket as ``/proc/net/tcp`` shows it and as the
RFC 9293 state machine predicts it. This is tcpkit's only I/O package
(:mod:`tcpkit.lab.experiments`, :mod:`tcpkit.lab.ports` and
:func:`~tcpkit.lab.proc.read_sockets`); it binds loopback only, times out every
wait and closes every socket. On any other system it raises
:class:`tcpkit.errors.LabError`. The models never import it.

Doctests here that open sockets carry the ``kernel`` marker (see
``tcpkit/lab/conftest.py``), so ``pytest -m "not kernel"`` leaves them out.
"""

from .experiments import EXPERIMENTS, LabRun, Step, listen_queue, require_linux, run_all, run_experiment
from .predict import LAB_EVENTS, next_state, predict_states
from .proc import ProcSocket, decode_address, parse_proc_net, read_sockets

__all__ = [
    "EXPERIMENTS", "LabRun", "Step", "run_experiment", "run_all", "listen_queue", "require_linux",
    "LAB_EVENTS", "next_state", "predict_states",
    "ProcSocket", "decode_address", "parse_proc_net", "read_sockets",
]
