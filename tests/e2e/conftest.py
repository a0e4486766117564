import shutil

import pytest

from components.testing.scratch import ScratchProject


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: runs the real Pulumi engine (and Docker engine) set up by scripts/bootstrap.sh")


@pytest.fixture
def project(tmp_path):
    if shutil.which("pulumi") is None:
        pytest.fail("no `pulumi` on PATH: run scripts/bootstrap.sh --toolchain, then `. scripts/env.sh`")
    return ScratchProject(tmp_path)
