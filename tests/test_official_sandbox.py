"""A worker's disk: private, small temporary folders in its own mount namespace, its uid, no groups."""

import json
import os
import shutil
import socket

import pytest

from autograder.official.confine import sandbox
from autograder.official.confine.identity import Identity, kill_all
from autograder.official.confine.launcher import Launcher, spawn_program
from autograder.official.judging.worker_folder import make_base
from tests.official_setup import needs_root, worker_python, worker_uid

UID = worker_uid(180)


@needs_root
def test_the_worker_gets_its_own_small_tmp_no_network_and_drops_to_its_uid():
    identity = Identity(UID, UID, worker_python())
    if not sandbox.namespace_for(identity):
        pytest.skip("no mount namespaces here (or the worker runtime lives in /tmp)")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    code = ("import json, os, socket\nn = 0\ntry:\n    with open('/tmp/fill', 'wb') as f:\n"
            "        for _ in range(64):\n            f.write(bytes(1 << 20))\n            f.flush()\n"
            "            n += 1\nexcept OSError:\n    pass\nreached = []\n"
            f"for where in [('127.0.0.1', {server.getsockname()[1]}), ('1.1.1.1', 53)]:\n"
            "    try:\n        socket.create_connection(where, timeout=2).close()\n        reached.append(where[0])\n"
            "    except OSError:\n        pass\n"
            "print(json.dumps([os.getuid(), os.getgid(), os.getgroups(), n, sorted(os.listdir('/tmp')), reached]))")
    base = make_base()  # where worker folders go: outside the temporary folders the namespace replaces
    folder = base / "worker"
    folder.mkdir()
    os.chown(folder, UID, UID)
    launcher = Launcher(identity.python, base)
    try:
        exit_code, output = spawn_program(launcher, folder, UID, UID, 4 << 20, code, [], 60)
    finally:
        launcher.close()
        kill_all(identity)
        server.close()
        shutil.rmtree(base)
    assert exit_code == 0, output
    uid, gid, groups, written, listing, reached = json.loads(output)
    assert (uid, gid, groups) == (UID, UID, [])
    assert written <= 4 and listing == ["fill"]
    assert reached == []
    assert "own view of the filesystem" in sandbox.describe(identity)


def test_a_runtime_in_tmp_falls_back_to_shared_folders_and_says_so():
    identity = Identity(UID, UID, "/tmp/some-venv/bin/python")
    assert not sandbox.namespace_for(identity)
    assert "shared temporary folders" in sandbox.describe(identity)


def test_the_torch_steps_workers_get_the_torch_group_where_it_exists(monkeypatch):
    import grp

    from autograder.official.judging.batch import torch_identity

    numpy_worker = Identity(UID, UID, "/opt/rnn-worker/bin/python")
    monkeypatch.setattr(grp, "getgrnam", lambda name: grp.struct_group((name, "x", 4242, [])))
    assert sandbox.torch_groups() == (4242,)
    torch_worker = torch_identity(numpy_worker, "/opt/rnn-worker-torch/bin/python")
    assert torch_worker.groups == (4242,) and numpy_worker.groups == ()
    assert torch_worker.popen_args()["extra_groups"] == [4242]

    def missing(name):
        raise KeyError(name)

    monkeypatch.setattr(grp, "getgrnam", missing)
    assert torch_identity(numpy_worker, "/opt/rnn-worker-torch/bin/python").groups == ()
