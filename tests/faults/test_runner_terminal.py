"""`make run` keeps the terminal calm: the parts log to files, the banner with the URL and the logins is the
last thing printed, nothing warns or traces back, and Ctrl-C stops it with a short, plain goodbye."""

import os
import re
import signal
import subprocess
import sys
import time

from tests.faults.system import ROOT, System, wait_for

BANNER_END = "Press Ctrl-C to stop.\n"
SCARY = re.compile(r"Traceback|Warning|WARNING|Error|ERROR|exception|Exception|CRITICAL|did not stop|killing", re.I)


def test_the_banner_is_the_last_thing_printed_and_ctrl_c_stops_quietly(transactional_db, tmp_path):
    system = System(tmp_path)
    system.redis.start()
    out = tmp_path / "terminal.txt"
    logs = tmp_path / "logs"
    env = {**system.env, "WMS_RUN_SETUP": "0", "PORT": str(system.port), "WEB_WORKERS": "1",
           "WORKER_CONCURRENCY": "1", "WMS_LOG_DIR": str(logs)}
    runner = subprocess.Popen([sys.executable, "-m", "wms_project.runner"], env=env, cwd=ROOT,
                              stdout=open(out, "wb"),  # noqa: SIM115 - the runner writes to it until it stops
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        def terminal() -> str:
            return out.read_text(errors="replace")

        wait_for(lambda: BANNER_END in terminal(), timeout=150, what="the banner", describe=terminal)
        time.sleep(4)  # the parts are busy logging their start: none of it reaches the terminal
        shown = terminal()
        assert shown.rstrip("\n").endswith(BANNER_END.rstrip("\n")), shown[-2000:]
        banner = shown[shown.rindex("WMS is running at"):]
        assert f"http://127.0.0.1:{system.port}/" in banner and "demo-pass-123" in banner and "admin" in banner
        assert str(logs) in banner
        assert not SCARY.search(shown), shown
        assert {p.name for p in logs.iterdir()} >= {"web.log", "worker.log", "beat.log"}
        assert "Booting worker" in (logs / "web.log").read_text(errors="replace")

        runner.send_signal(signal.SIGINT)  # what Ctrl-C sends to the runner
        assert runner.wait(timeout=60) == 0
        goodbye = terminal()[len(shown):]
        assert not SCARY.search(goodbye), goodbye
        assert "stopping every part" in goodbye and "stopped web, worker, beat" in goodbye
        assert len(goodbye.strip().splitlines()) <= 3, goodbye
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
            runner.wait()
        for pid in re.findall(r"started \(pid (\d+)\)", out.read_text(errors="replace")):
            try:
                os.killpg(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
        system.redis.stop()


def test_ctrl_c_during_setup_prints_no_traceback(tmp_path):
    """Interrupted while migrating: one line, no traceback, a non-zero status."""
    env = {**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/wms_runner_never_there",
           "REDIS_URL": "redis://127.0.0.1:6379/15"}
    runner = subprocess.Popen([sys.executable, "-c", (
        "import signal, subprocess, wms_project.runner as r\n"
        "def slow(*a, **k):\n    raise KeyboardInterrupt\n"
        "subprocess.run = slow\n"
        "raise SystemExit(r.main())\n")], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output, _ = runner.communicate(timeout=60)
    text = output.decode(errors="replace")
    assert runner.returncode == 130, text
    assert "Traceback" not in text and "KeyboardInterrupt" not in text
    assert "Stopped before WMS was running." in text
