import pytest

from tests.tree import Tree


@pytest.fixture
def tree(tmp_path) -> Tree:
    """A fresh copy of the toolkit to break on purpose."""
    return Tree(tmp_path / "copy")
