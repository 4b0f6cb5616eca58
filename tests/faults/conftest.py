import pytest

from tests.faults.system import System


@pytest.fixture
def system(transactional_db, tmp_path):
    """Web, worker and beat as separate processes; stopped (SIGKILL) before the test database is flushed."""
    system = System(tmp_path)
    system.redis.start()
    try:
        yield system
    finally:
        system.stop_all()
