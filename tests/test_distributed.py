"""Sweeps on real distributed engines (dask.distributed, ray) and in chunks.

Each executor's rows are checked against the serial rows, in order; a failed configuration must
be named with the rows finished before it, and an interrupted sweep must keep its rows. The dask
comparison (a 2-process LocalCluster, about 4 s) runs in the default suite; the rest of dask and
ray (whose start takes about 5 s) are marked slow. Ray is skipped, with the reason, where it is
not installed (it is not in the test extra: ``pip install "rac_tn[ray]"``).
"""

from __future__ import annotations

import os
import pickle
from concurrent.futures import ThreadPoolExecutor

import pytest

from rac_tn.analysis.sweeps import (
    ChunkError,
    SweepConfig,
    SweepError,
    SweepInterrupted,
    sweep,
    sweep_chunk,
    sweep_configs,
    sweep_row,
)

CONFIGS = sweep_configs(
    depths=[1, 2, 3], lengths=[4, 6], hidden=2, inputs=2, partition="interleaved"
) + [
    SweepConfig(3, 2, 2, 5, "1,2,5", seed=3),
    # the model families go through every executor too (their configs and rows pickle)
    SweepConfig(2, 3, 2, 4, model="cp2rnn", rank=2),
    SweepConfig(2, 2, 1, 6, model="linear", bias=True),
]
GOOD = SweepConfig(2, 2, 1, 4)
BAD = SweepConfig(2, 2, 1, 4, partition="1,9")  # 9 is outside 1..4


def _strip_time(rows):
    return [
        None if row is None else {k: v for k, v in row.items() if k != "seconds"} for row in rows
    ]


@pytest.fixture(scope="module")
def serial():
    return _strip_time(sweep(CONFIGS))


def _check_failure(error, bad_index, finished):
    assert isinstance(error, SweepError) and error.index == bad_index
    assert error.config == BAD and "'1,9'" in str(error) and "outside 1..4" in str(error)
    assert isinstance(error.__cause__, ValueError)
    assert [row is not None for row in error.rows][: len(finished)] == finished
    assert all(row.separation_rank == 2 for row in error.rows if row is not None)


# -- chunks -----------------------------------------------------------------------------------


@pytest.mark.parametrize("chunksize", [2, 3, 100])
def test_chunked_sweep_equals_serial_in_order(chunksize, serial):
    seen = []
    with ThreadPoolExecutor(2) as pool:
        rows = sweep(
            CONFIGS, executor=pool, chunksize=chunksize, progress=lambda *a: seen.append(a)
        )
    assert _strip_time(rows) == serial
    assert seen[-1] == (len(CONFIGS), len(CONFIGS))  # progress counts rows, not chunks
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_a_chunk_submits_one_top_level_function_per_chunk():
    submitted = []

    class Recording(ThreadPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):
            submitted.append((fn, len(args[0])))
            return super().submit(fn, *args, **kwargs)

    with Recording(1) as pool:
        sweep([GOOD] * 5, executor=pool, chunksize=2, max_samples=64)
    assert submitted == [(sweep_chunk, 2), (sweep_chunk, 2), (sweep_chunk, 1)]


def test_a_failed_row_in_a_chunk_is_named_and_earlier_rows_are_kept():
    # chunks [GOOD, GOOD], [GOOD, BAD], [GOOD]: one worker runs them in order
    configs = [GOOD, GOOD, GOOD, BAD, GOOD]
    with ThreadPoolExecutor(1) as pool:
        with pytest.raises(SweepError) as info:
            sweep(configs, executor=pool, chunksize=2)
    _check_failure(info.value, 3, [True, True, True, False])


def test_an_interrupted_chunked_sweep_keeps_its_finished_chunks(serial):
    def stop(done, total):
        raise KeyboardInterrupt

    with ThreadPoolExecutor(1) as pool:
        with pytest.raises(SweepInterrupted) as info:
            sweep(CONFIGS, executor=pool, chunksize=3, progress=stop)
    rows = _strip_time(info.value.rows)
    assert rows[:3] == serial[:3] and info.value.done >= 3
    assert all(row is None or row == want for row, want in zip(rows, serial))


def test_chunk_errors_cross_process_boundaries():
    row = sweep_row(GOOD, max_samples=64)
    error = pickle.loads(pickle.dumps(ChunkError(1, [row], ValueError("bad"))))
    assert (error.offset, error.rows, str(error.cause)) == (1, [row], "bad")

    class Local(Exception):  # not picklable (a local class): kept as its message
        pass

    error = pickle.loads(pickle.dumps(ChunkError(0, [], Local("lost"))))
    assert isinstance(error.cause, RuntimeError) and "Local: lost" in str(error.cause)


def test_chunksize_is_checked():
    with pytest.raises(ValueError, match="chunksize"):
        sweep([GOOD], executor=ThreadPoolExecutor(1), chunksize=0)


# -- dask.distributed -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip(
        "distributed", reason='dask.distributed is not installed (pip install "rac_tn[dask]")'
    )
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        with distributed.Client(cluster) as client:
            yield client


def test_dask_local_cluster_gives_the_serial_rows_in_order(dask_client, serial):
    executor = dask_client.get_executor()
    assert _strip_time(sweep(CONFIGS, executor=executor)) == serial
    assert _strip_time(sweep(CONFIGS, executor=executor, chunksize=3)) == serial
    workers = dask_client.run(os.getpid)
    assert len(workers) == 2 and os.getpid() not in workers.values()  # other processes


@pytest.mark.slow
def test_dask_failed_row_is_named(dask_client):
    executor = dask_client.get_executor()
    for chunksize in (1, 2):
        with pytest.raises(SweepError) as info:
            sweep([GOOD, BAD], executor=executor, chunksize=chunksize)
        _check_failure(info.value, 1, [])


@pytest.mark.slow
def test_dask_interrupted_sweep_keeps_finished_rows(dask_client, serial):
    def stop(done, total):
        raise KeyboardInterrupt

    with pytest.raises(SweepInterrupted) as info:
        sweep(CONFIGS, executor=dask_client.get_executor(), progress=stop)
    stop_ = info.value
    assert 1 <= stop_.done < len(CONFIGS)
    assert all(row is None or row == want for row, want in zip(_strip_time(stop_.rows), serial))
    # the cluster is still usable afterwards
    assert _strip_time(sweep(CONFIGS[:2], executor=dask_client.get_executor())) == serial[:2]


# -- ray --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ray_executor():
    ray = pytest.importorskip(
        "ray", reason='ray is not installed here (pip install "rac_tn[ray]" where it installs)'
    )
    from rac_tn.analysis.sweeps import RayExecutor

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield RayExecutor()
    finally:
        ray.shutdown()


@pytest.mark.slow
def test_ray_gives_the_serial_rows_in_order(ray_executor, serial):
    assert _strip_time(sweep(CONFIGS, executor=ray_executor)) == serial
    assert _strip_time(sweep(CONFIGS, executor=ray_executor, chunksize=3)) == serial


@pytest.mark.slow
def test_ray_failed_row_is_named_with_the_original_exception(ray_executor):
    for chunksize in (1, 2):
        with pytest.raises(SweepError) as info:
            sweep([GOOD, BAD], executor=ray_executor, chunksize=chunksize)
        _check_failure(info.value, 1, [])
        assert type(info.value.__cause__) is ValueError  # not ray's wrapper
