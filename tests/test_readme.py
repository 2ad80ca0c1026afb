"""Every Python block of the README runs, so its examples cannot rot: in this process (as the
main module) and, with ``-m slow``, each saved as a script and run by a fresh interpreter, as a
reader who copies it would (a process pool's workers import that script)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_the_readme_has_python_examples():
    assert BLOCKS


@pytest.mark.parametrize("block", range(len(BLOCKS)))
def test_readme_python_block_runs(block, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the examples may write files (figures)
    code = compile(BLOCKS[block], f"README.md python block {block}", "exec")
    exec(code, {"__name__": "__main__"})


def test_examples_that_start_processes_guard_their_main_code():
    """A spawned worker imports the script it was started from: without the guard the
    worker would start a pool of its own, and the saved example fails."""
    for block in BLOCKS:
        if "process_pool(" in block or "ProcessPoolExecutor(" in block:
            assert 'if __name__ == "__main__":' in block, block


@pytest.mark.slow
@pytest.mark.parametrize("block", range(len(BLOCKS)))
def test_readme_python_block_runs_as_a_saved_script(block, tmp_path):
    script = tmp_path / f"example_{block}.py"
    script.write_text(BLOCKS[block])
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(README.parent), "MPLBACKEND": "Agg"},
    )
    assert done.returncode == 0, done.stderr


def test_the_primes_the_docs_quote_are_the_ones_the_code_draws():
    import math

    from rac_tn.cli import demo
    from rac_tn.exact.certify import LARGE_PRIME_RANGE, PRIME_RANGE

    def quoted(bounds):
        return "(" + ", ".join(f"2^{round(math.log2(b))}" for b in bounds) + ")"

    assert all(math.log2(b).is_integer() for b in PRIME_RANGE + LARGE_PRIME_RANGE)
    first, later = quoted(PRIME_RANGE), quoted(LARGE_PRIME_RANGE)
    readme = README.read_text()
    assert f"a prime drawn at random from {first} (later attempts: {later})" in readme
    theory = (README.parent / "docs" / "theory.md").read_text()
    assert f"The first attempt draws from {first}" in theory and f"attempts from {later}" in theory
    assert demo._range_text(PRIME_RANGE) == first and demo._range_text(LARGE_PRIME_RANGE) == later
    tutorial = (README.parent / "tutorials" / "_build.py").read_text()
    assert f"random prime, drawn\nfrom {first} (later attempts from {later})" in tutorial
