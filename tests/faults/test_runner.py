"""`make run` is a process manager: a SIGKILLed worker is started again and the restart is logged; SIGINT
(Ctrl-C) stops every part and the runner exits cleanly."""

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request

from tests.faults.system import ROOT, System, wait_for


def group_is_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def healthz(url: str) -> dict:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
            return json.loads(response.read())
    except OSError:
        return {}


def test_the_runner_restarts_a_killed_worker_logs_it_and_stops_everything_on_sigint(transactional_db, tmp_path):
    system = System(tmp_path)  # for its environment and throwaway broker; the runner starts the parts itself
    system.redis.start()
    log_path = tmp_path / "runner.log"
    env = {**system.env, "WMS_RUN_SETUP": "0", "PORT": str(system.port), "WEB_WORKERS": "1", "WORKER_CONCURRENCY": "1"}
    runner = subprocess.Popen([sys.executable, "-m", "wms_project.runner"], env=env, cwd=ROOT,
                              stdout=open(log_path, "wb"),  # noqa: SIM115 - the runner writes to it until it stops
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        def log() -> str:
            return log_path.read_text(errors="replace")

        def pids(name: str) -> list[int]:
            return [int(pid) for pid in re.findall(rf"runner: {name} started \(pid (\d+)\)", log())]

        wait_for(lambda: "WMS is running at" in log(), timeout=150, what="the runner's welcome", describe=log)
        [web], [worker], [beat] = pids("web"), pids("worker"), pids("beat")
        assert healthz(system.url).get("celery", {}).get("ok")

        os.kill(worker, signal.SIGKILL)
        wait_for(lambda: len(pids("worker")) == 2, timeout=60, what="the worker to be started again", describe=log)
        assert "worker exited with signal SIGKILL" in log() and "(restart 1)" in log()
        new_worker = pids("worker")[1]
        assert new_worker != worker and pids("web") == [web] and pids("beat") == [beat]  # nothing else restarted
        wait_for(lambda: healthz(system.url).get("celery", {}).get("ok"), timeout=90,
                 what="the restarted worker to answer /healthz's ping")

        runner.send_signal(signal.SIGINT)
        assert runner.wait(timeout=60) == 0
        assert "SIGINT received; stopping every part" in log() and "stopped web, worker, beat" in log()
        for pgid in (web, worker, new_worker, beat):  # each part and whatever it forked
            assert group_is_gone(pgid), f"process group {pgid} outlived the runner"
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
            runner.wait()
        for pid in re.findall(r"started \(pid (\d+)\)", log_path.read_text(errors="replace")):
            if not group_is_gone(int(pid)):
                os.killpg(int(pid), signal.SIGKILL)
        system.redis.stop()
