"""Helpers for tests that run ``rac-tn`` in a real process on a pseudo-terminal (not tests)."""

from __future__ import annotations

import os
import re
import select
import time
from pathlib import Path


def read_until(fd, pattern, text, timeout):
    """Read the pty ``fd`` into ``text`` until ``pattern`` matches (or ``timeout``)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        match = re.search(pattern, text)
        if match:
            return text, match
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the other side closed
                break
            if not chunk:
                break
            text += chunk.decode(errors="replace")
    return text, re.search(pattern, text)


def alive(pids):
    """The processes of ``pids`` that still run (a zombie has exited)."""
    return [pid for pid in pids if Path(f"/proc/{pid}").exists() and _state(pid) != "Z"]


def _state(pid):
    """The state letter of ``/proc/PID/stat`` ('Z' once the process has gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "Z"


def descendants(pid):
    """Every process below ``pid`` (psutil if installed, else /proc)."""
    try:
        import psutil
    except ImportError:
        parents = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                parents.setdefault(ppid, []).append(int(entry.name))
        found, todo = [], [pid]
        while todo:
            children = parents.get(todo.pop(), [])
            found += children
            todo += children
        return found
    return [child.pid for child in psutil.Process(pid).children(recursive=True)]


def drain(fd: int, text: str, timeout: float = 5.0) -> str:
    """Read the pty ``fd`` into ``text`` until every writer has closed it (or ``timeout``)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # every writer has gone
                break
            if not chunk:
                break
            text += chunk.decode(errors="replace")
    return text


def cmdline(pid: int) -> str:
    """The command line of process ``pid`` ('' once it has gone)."""
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""


def signal_masks(pid: int) -> dict[str, int]:
    """The SigBlk, SigIgn and SigCgt masks of ``/proc/PID/status`` (bit n-1: signal n)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {
        key: int(value, 16)
        for key, _, value in (line.partition(":\t") for line in lines)
        if key in ("SigBlk", "SigIgn", "SigCgt")
    }


def cores() -> int:
    """The cores this process may run on (``rac-tn table --jobs`` uses at most these)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1
