"""policies/plugin_launch.py: only a policy-plugin launch by an older language host is diverted to the pack."""
import pytest

from policies.plugin_launch import launched_as_policy_plugin


@pytest.mark.parametrize("argv, expected", [
    (["", "127.0.0.1:37049"], True),
    (["", "[::1]:5000"], True),
    (["__main__.py"], False),  # a program run
    (["", "127.0.0.1:37049", "extra"], False),
    (["/app/__main__.py", "127.0.0.1:37049"], False),
    (["", "not-an-address"], False),
])
def test_only_plugin_launches_are_diverted(argv, expected):
    assert launched_as_policy_plugin(argv) is expected
