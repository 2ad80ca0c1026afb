"""Argument checks: every message names the argument; numpy integers are integers."""

from __future__ import annotations

import numpy as np
import pytest

from rac_tn._checks import (
    FloatRangeError,
    check_class_index,
    check_float_range,
    check_seed,
    check_templates,
    positive_int,
    template_count,
)


def test_positive_int_accepts_numpy_and_names_the_argument():
    assert positive_int(np.uint8(3), "T") == 3 and type(positive_int(np.int64(3), "T")) is int
    for bad, error in ((True, TypeError), (2.0, TypeError), ("2", TypeError), (0, ValueError)):
        with pytest.raises(error, match="^T must be a positive integer"):
            positive_int(bad, "T")


def test_seed_class_and_templates():
    assert check_seed(None) is None and check_seed(np.int32(4)) == 4
    with pytest.raises(TypeError, match="seed must be"):
        check_seed("abc")
    with pytest.raises(ValueError, match="class_index must be in 0..1"):
        check_class_index(2, 2)
    assert check_templates(None, 3).shape == (3, 3)
    with pytest.raises(ValueError, match="M = 3"):
        check_templates(np.ones((2, 2)), 3)
    with pytest.raises(TypeError, match="a template count N is accepted only"):
        check_templates(5, 3)
    assert template_count(np.ones((4, 3)), 3) == 4 and template_count(np.int64(7), 3) == 7


def test_float_range_refuses_inf_and_nan():
    assert check_float_range(np.ones(3), "y", "").sum() == 3
    with pytest.raises(FloatRangeError, match="2 of 3 entries"):
        check_float_range(np.array([1.0, np.inf, np.nan]), "y", "use the exact route")


def test_memory_limits_of_a_cgroup_are_read_v1_and_v2(tmp_path):
    from rac_tn._checks import _cgroup_files

    proc = tmp_path / "cgroup"
    (tmp_path / "sys" / "job").mkdir(parents=True)
    (tmp_path / "sys" / "job" / "memory.max").write_text("3221225472\n")
    (tmp_path / "sys" / "job" / "memory.current").write_text("1073741824\n")
    proc.write_text("0::/job\n")
    assert _cgroup_files(str(proc), str(tmp_path / "sys")) == (3 << 30, 1 << 30)
    (tmp_path / "sys" / "job" / "memory.max").write_text("max\n")
    assert _cgroup_files(str(proc), str(tmp_path / "sys")) is None
    v1 = tmp_path / "sys" / "memory" / "slurm" / "job_7"
    v1.mkdir(parents=True)
    (v1 / "memory.limit_in_bytes").write_text(str(2 << 30))
    (v1 / "memory.usage_in_bytes").write_text(str(1 << 29))
    proc.write_text("4:memory:/slurm/job_7\n1:cpu:/\n")
    assert _cgroup_files(str(proc), str(tmp_path / "sys")) == (2 << 30, 1 << 29)
    (v1 / "memory.limit_in_bytes").write_text("9223372036854771712")  # v1's "no limit"
    assert _cgroup_files(str(proc), str(tmp_path / "sys")) is None


def test_an_address_space_limit_lowers_what_is_available_and_refuses_early():
    import subprocess
    import sys

    limit = 6 << 30
    code = f"""
import resource
resource.setrlimit(resource.RLIMIT_AS, ({limit}, resource.getrlimit(resource.RLIMIT_AS)[1]))
from rac_tn._checks import available_memory, memory_ceiling, physical_memory
from rac_tn.exact.attempts import SAMPLE_BYTES_PER_ENTRY, check_sample_memory
vm = [int(l.split()[1]) * 1024 for l in open('/proc/self/status') if l.startswith('VmSize:')][0]
print(available_memory(), memory_ceiling(), physical_memory(), vm)
cap = int(({limit} / SAMPLE_BYTES_PER_ENTRY) ** 0.5) + 1  # needs more than the whole limit
try:
    check_sample_memory(cap)
except ValueError as exc:
    print("refused:", exc)
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=True
    ).stdout.splitlines()
    available, ceiling, physical, vm = map(int, out[0].split())
    assert ceiling == min(limit, physical)
    # what is left of the address space, at most (VmSize only grows between the two reads)
    assert 0 < available <= limit - vm + (64 << 20)
    assert out[1].startswith("refused:") and "max_samples" in out[1]
