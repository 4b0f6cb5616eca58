"""The runner's supervisor on its own: a part that keeps dying is restarted with a doubling backoff, logged."""

import sys
import time

from wms_project.runner import Supervisor


def test_a_part_that_keeps_exiting_is_restarted_with_a_doubling_backoff_and_each_restart_is_logged(tmp_path, capsys):
    supervisor = Supervisor({"flaky": [sys.executable, "-c", "import sys; sys.exit(3)"]}, env={}, cwd=tmp_path,
                            backoff=0.1, backoff_max=0.4, stable_after=1000, die_with_parent=False, log_dir=tmp_path)
    supervisor.start_all()
    deadline = time.monotonic() + 60
    while supervisor.part("flaky").restarts < 4 and time.monotonic() < deadline:
        supervisor.check()
        time.sleep(0.02)
    supervisor.stop_all()
    out = capsys.readouterr().out
    assert supervisor.part("flaky").restarts >= 4
    for delay, restart in (("0.1", 1), ("0.2", 2), ("0.4", 3), ("0.4", 4)):  # doubles, then stays at the cap
        assert "flaky exited with status 3 after" in out and f"restarting in {delay} s (restart {restart})" in out
    assert len(set(supervisor.part("flaky").pids)) == len(supervisor.part("flaky").pids) >= 4


def test_a_part_that_ran_long_enough_starts_over_at_the_shortest_backoff(tmp_path, capsys):
    supervisor = Supervisor({"steady": [sys.executable, "-c", "import sys; sys.exit(0)"]}, env={}, cwd=tmp_path,
                            backoff=0.1, backoff_max=10, stable_after=0, die_with_parent=False)
    supervisor.start_all()
    deadline = time.monotonic() + 60
    while supervisor.part("steady").restarts < 3 and time.monotonic() < deadline:
        supervisor.check()
        time.sleep(0.02)
    supervisor.stop_all()
    out = capsys.readouterr().out
    assert out.count("restarting in 0.1 s") >= 3 and "restarting in 0.2 s" not in out
