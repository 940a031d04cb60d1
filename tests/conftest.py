import os

import pytest

from autograder.release.build import assemble, write_tree
from tests.tree import REPO, Tree


@pytest.fixture
def tree(tmp_path) -> Tree:
    """A fresh copy of the toolkit to break on purpose."""
    return Tree(tmp_path / "copy")


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """The release of this repository, assembled once: (Release, folder)."""
    release = assemble(REPO)
    folder = tmp_path_factory.mktemp("release") / "release"
    write_tree(release, folder)
    return release, folder


@pytest.fixture(scope="session")
def no_torch(tmp_path_factory) -> dict:
    """Environment in which `import torch` fails, as on a student's numpy-only machine."""
    blocker = tmp_path_factory.mktemp("no_torch")
    (blocker / "sitecustomize.py").write_text("import sys\nsys.modules['torch'] = None\n")
    return {**os.environ, "PYTHONPATH": str(blocker), "PYTHONDONTWRITEBYTECODE": "1"}
