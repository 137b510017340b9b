"""Ctrl-C, SIGTERM and SIGHUP stop a render, and are remembered.

The handler raises :class:`Interrupted` (a :class:`KeyboardInterrupt`) where the main
thread is, like Ctrl-C. An interrupt that lands inside an import of a compiled module can
come out as another error, so the signal is also recorded: the render checks it before
publishing anything, and the CLI reports it as an interrupt whatever error it became.

It is a subclass because CPython (3.11, at least) remembers a ``KeyboardInterrupt`` itself
that leaves code run by ``exec`` (each import, a dataclass's generated methods) even once
it is caught, and ``python -m crimeplan`` then ends by SIGINT instead of with its exit
code, 130. A subclass is not remembered.
"""

from __future__ import annotations

import signal

_received: list[str] = []


class Interrupted(KeyboardInterrupt):
    """An interrupt (Ctrl-C, SIGTERM or SIGHUP: its name is the argument)."""


def _handle(signum, frame) -> None:
    """The first interrupt raises; later ones (a second Ctrl-C, a signal the stopping kernels
    pass on) are only recorded, so that the clean-up they would cut short runs to its end."""
    first = not _received
    _received.append(signal.Signals(signum).name)
    if first:
        raise Interrupted(_received[-1])


def install() -> None:
    """Handle SIGINT, SIGTERM and SIGHUP as interrupts (main thread only)."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _handle)


def received() -> bool:
    return bool(_received)


def stop_if_received() -> None:
    """Raise :class:`Interrupted` if an interrupt came, even one another error hid."""
    if _received:
        raise Interrupted(_received[0])
