"""The policy pack through the real CLI: `pulumi preview --policy-pack policies` passes our prod stack and
blocks a deliberately insecure program with the expected rule ids."""
import re

import pytest

pytestmark = pytest.mark.e2e
MANDATORY = re.compile(r"\[mandatory\][^\n]*?\b((?:CTR|K8S|SEC|GPU|NET|MON|DAT|LBL)-\d+)\b")


def test_pack_blocks_an_insecure_program(project, tmp_path_factory):
    program = project.dir / "tests" / "e2e" / "bad_program"
    project.env["BAD_PROGRAM_OUT"] = str(tmp_path_factory.mktemp("bad-rendered"))
    project.env["AISTACK_POLICY_PACK"] = str(project.dir / "policies")
    project.pulumi("stack", "init", "bad", cwd=program)
    result = project.pulumi("preview", "--policy-pack", str(project.dir / "policies"), stack="bad", cwd=program, check=False)
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    blocked = set(MANDATORY.findall(out))
    assert {"CTR-01", "CTR-02", "CTR-07", "CTR-17", "K8S-21"} <= blocked, out[-4000:]
    assert "aistack@v0.1.0" in out


def test_pack_passes_the_prod_stack(project, tmp_path_factory):
    project.init_stack("prod", {"aistack:gatewayApiKey": "e2e-key", "aistack:grafanaAdminPassword": "e2e-password"})
    project.set_config("prod", "aistack:kubernetes.renderYamlTo", str(tmp_path_factory.mktemp("prod-rendered")))
    project.env["AISTACK_POLICY_PACK"] = str(project.dir / "policies")
    result = project.pulumi("preview", "--policy-pack", str(project.dir / "policies"), stack="prod", check=False)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-4000:]
    assert "aistack@v0.1.0" in out and not MANDATORY.findall(out)
