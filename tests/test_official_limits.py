"""Limits for a handin as a whole: a cgroup when the kernel lets us make one, said in the mode."""

import subprocess
import sys

from autograder.official.confine.limits import Limits, confine
from tests.official_setup import needs_root


@needs_root
def test_a_handins_cgroup_caps_its_processes_and_is_removed():
    conf = confine(Limits(processes=8))
    if not conf.groups:
        assert conf.mode.startswith("per-uid process limit")
        return
    code = ("import os, time\nn = 0\ntry:\n    for _ in range(50):\n        if os.fork() == 0:\n"
            "            time.sleep(30)\n            os._exit(0)\n        n += 1\nexcept OSError:\n    pass\n"
            "print(n, flush=True)\ntime.sleep(30)\n")
    proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", "import sys; sys.stdin.readline(); " + "exec("
                             + repr(code) + ")"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    conf.place(proc.pid)
    proc.stdin.write("go\n")
    proc.stdin.flush()
    forked = int(proc.stdout.readline())
    assert forked < 8, conf.mode
    conf.kill()
    if conf.kill_file is None:
        subprocess.run(["pkill", "-KILL", "-P", str(proc.pid)], check=False)
        proc.kill()
    proc.wait()
    conf.remove()
    assert not any(group.exists() for group in conf.groups)
    assert "per handin" in conf.mode
