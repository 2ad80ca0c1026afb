"""Large exact ranks run on the cores that are free, unless the user set a thread count."""

from __future__ import annotations

import numba
import pytest
from threadpoolctl import threadpool_info

import rac_tn._threads as threads
from rac_tn import RAC, separation_rank, start_end, symmetric_bound

STAT = """cpu  {user} 0 {system} {idle} {iowait} 0 0 0 0 0
cpu0 1 0 1 1 0 0 0 0 0 0
cpu1 1 0 1 1 0 0 0 0 0 0
cpu2 1 0 1 1 0 0 0 0 0 0
cpu3 1 0 1 1 0 0 0 0 0 0
intr 12345
"""


SELF = "4242 (python3 (a) b) S 1 2 3 4 5 6 7 8 9 10 {utime} {stime} 0 0 20 0 3 0\n"


def test_busy_cores_are_read_from_two_samples_of_proc_stat(tmp_path, monkeypatch):
    stat, own = tmp_path / "stat", tmp_path / "self"
    stat.write_text(STAT.format(user=1000, system=500, idle=8000, iowait=500))
    own.write_text(SELF.format(utime=40, stime=10))

    def later(seconds):  # between the samples: 300 busy and 100 idle jiffies of 4 cpus
        stat.write_text(STAT.format(user=1200, system=600, idle=8080, iowait=520))

    monkeypatch.setattr(threads.time, "sleep", later)
    busy = threads.busy_cores(0.1, str(stat), str(own))
    assert busy == pytest.approx(4 * 300 / 400)  # three of the four cores busy
    assert threads.choose_threads(4, busy, None) == 1
    monkeypatch.setattr(threads.time, "sleep", lambda s: None)
    assert threads.busy_cores(0.1, str(stat), str(own)) is None  # no time passed: unknown


def test_this_process_own_threads_are_not_other_work(tmp_path, monkeypatch):
    """Of the 300 busy jiffies, 100 are this process's (utime 40 -> 110, stime 10 -> 40): its
    spinning workers, so two of the four cores are busy with other work."""
    stat, own = tmp_path / "stat", tmp_path / "self"
    stat.write_text(STAT.format(user=1000, system=500, idle=8000, iowait=500))
    own.write_text(SELF.format(utime=40, stime=10))

    def later(seconds):
        stat.write_text(STAT.format(user=1200, system=600, idle=8080, iowait=520))
        own.write_text(SELF.format(utime=110, stime=40))

    monkeypatch.setattr(threads.time, "sleep", later)
    assert threads.busy_cores(0.1, str(stat), str(own)) == pytest.approx(4 * 200 / 400)
    # unreadable: counted as none of it
    stat.write_text(STAT.format(user=1000, system=500, idle=8000, iowait=500))
    missing = str(tmp_path / "missing")
    assert threads.busy_cores(0.1, str(stat), missing) == pytest.approx(4 * 300 / 400)


def test_a_thread_of_this_process_spinning_is_not_counted():
    """The real files: a thread spinning in this process while the watch sleeps is about one
    core that the watch must not count (the workers of a call just finished did this, and the
    next call ran on one thread: 36 s instead of 21 s for the certified 6160)."""
    import threading

    stop = threading.Event()

    def spin():
        while not stop.is_set():
            pass

    worker = threading.Thread(target=spin)
    worker.start()
    try:
        with_self = threads.busy_cores(0.3)
        without = threads.busy_cores(0.3, own="/nonexistent/stat")
    finally:
        stop.set()
        worker.join()
    if with_self is None or without is None:
        pytest.skip("no /proc/stat here")
    assert without - with_self > 0.5  # the spinning thread, about one core


def test_the_free_cores_rounded_to_nearest_between_one_and_all():
    for cores in (2, 4, 8):
        for tenths in range(0, 10 * cores + 1):
            busy = tenths / 10
            chosen = threads.choose_threads(cores, busy, None)
            free = cores - busy
            assert 1 <= chosen <= cores
            assert abs(chosen - free) <= 0.5 or chosen == 1  # nearest, one at the least
    assert threads.choose_threads(4, None, None) == 4  # unknown load: all cores, as before
    assert threads.choose_threads(4, 3.9, 3) == 3  # the user's count wins


def test_rac_tn_threads_sets_the_count(monkeypatch):
    for name in threads.USER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(threads, "busy_cores", lambda: pytest.fail("not measured when set"))
    monkeypatch.setenv("RAC_TN_THREADS", "1")
    with threads.free_core_threads() as count:
        assert count == 1 == numba.get_num_threads()
    monkeypatch.setenv("RAC_TN_THREADS", "two")
    with pytest.raises(ValueError, match="RAC_TN_THREADS must be a positive integer"):
        with threads.free_core_threads():
            pass


@pytest.mark.parametrize("name", threads.USER_VARIABLES[1:])
def test_a_thread_count_the_user_set_is_left_alone(monkeypatch, name):
    for other in threads.USER_VARIABLES:
        monkeypatch.delenv(other, raising=False)
    assert not threads.user_set_threads()
    monkeypatch.setenv(name, "1")
    assert threads.user_set_threads()
    before = numba.get_num_threads()
    with threads.free_core_threads() as count:
        assert count is None and numba.get_num_threads() == before


def test_inside_the_block_numba_and_the_blas_use_the_chosen_count(monkeypatch):
    for name in threads.USER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(threads, "usable_cores", lambda: 2)
    monkeypatch.setattr(threads, "busy_cores", lambda: 1.2)  # 0.8 free: one thread
    before = numba.get_num_threads()
    with threads.free_core_threads() as count:
        assert count == 1 == numba.get_num_threads() == threads.active_threads()
        assert all(pool["num_threads"] == 1 for pool in threadpool_info())
    assert numba.get_num_threads() == before and threads.active_threads() is None
    with threads.free_core_threads(enabled=False) as count:
        assert count is None


def test_a_large_rank_chooses_its_threads_and_gets_the_same_answer(monkeypatch):
    for name in threads.USER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    chosen = []
    real = threads.free_core_threads

    def watched(enabled=True):
        chosen.append(enabled)
        return real(enabled)

    monkeypatch.setattr("rac_tn.exact.rank.free_core_threads", watched)
    rac = RAC.random(2, 2, depth=2, seed=0, integer=True)
    small = separation_rank(rac, start_end(8), seed=0)
    large = separation_rank(rac, start_end(8), seed=0, max_samples=4096)
    assert chosen == [False, False]  # the cap is the symmetric bound (10): below 1024
    wide = RAC.random(4, 4, depth=2, seed=0, integer=True)
    bound = symmetric_bound(wide, start_end(20)).value
    assert bound >= 1024  # a cap from which the free cores are measured
    big = separation_rank(wide, start_end(20), seed=0)
    assert chosen[-1] is True and big.rank == bound and big.certified
    assert small.rank == large.rank
