"""The GitHub Actions workflows: actionlint finds nothing, and every `run:` calls only documented commands."""
from __future__ import annotations

import json
import re
import subprocess

import pytest
import yaml
from unit_support import ROOT

from components.cli.__main__ import build_parser

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@v\d+(\.\d+){0,2}$")


def make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(), re.MULTILINE))


def cli_commands() -> set[str]:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    return set(sub.choices)


def undocumented(script: str) -> list[str]:
    """The commands of a `run:` script that are not a make target, the CLI, or a script in scripts/."""
    bad = []
    for line in script.splitlines():
        for command in filter(None, (part.strip() for part in line.split("&&"))):
            make = re.fullmatch(r"make ([\w-]+)(\s+[A-Z_]+=\S+)*", command)
            cli = re.fullmatch(r"(\.venv/bin/)?python3? -m components\.cli ([\w-]+)( .*)?", command)
            script_ = re.fullmatch(r"(scripts/[\w.-]+\.sh)( .*)?", command)
            if make and make.group(1) in make_targets():
                continue
            if cli and cli.group(2) in cli_commands():
                continue
            if script_ and (ROOT / script_.group(1)).is_file():
                continue
            bad.append(command)
    return bad


def steps():
    for path in WORKFLOWS:
        for job_name, job in yaml.safe_load(path.read_text())["jobs"].items():
            for step in job.get("steps", []):
                yield path.name, job_name, step


def test_there_are_workflows():
    assert [p.name for p in WORKFLOWS] == ["main.yml", "pr.yml"]


def test_actionlint_finds_nothing():
    # shellcheck and pyflakes are left out so the result does not depend on what else is installed.
    result = subprocess.run(
        ["scripts/actionlint.sh", "-format", "{{json .}}", "-shellcheck=", "-pyflakes="],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode in (0, 1), result.stderr
    findings = json.loads(result.stdout or "[]")
    assert findings == [], "\n".join(f"{f['filepath']}:{f['line']}: {f['message']}" for f in findings)


def test_actionlint_would_report_a_broken_workflow(tmp_path):
    bad = tmp_path / ".github" / "workflows"
    bad.mkdir(parents=True)
    (bad / "bad.yml").write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n"
                                 "      - uses: actions/checkout@v4\n        with: {no-such-input: 1}\n")
    result = subprocess.run([str(ROOT / "scripts/actionlint.sh"), "-format", "{{json .}}", str(bad / "bad.yml")],
                            cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert any("no-such-input" in f["message"] for f in json.loads(result.stdout))


def test_run_steps_call_only_documented_commands():
    runs = [(wf, job, step["run"]) for wf, job, step in steps() if "run" in step]
    assert runs
    problems = [f"{wf} {job}: {cmd}" for wf, job, script in runs for cmd in undocumented(script)]
    assert problems == []


@pytest.mark.parametrize("command", ["curl -sSL https://example.com/x.sh | sh", "pulumi up --yes", "make deploy",
                                     "python -m components.cli launch dev", "scripts/nope.sh"])
def test_undocumented_commands_are_caught(command):
    assert undocumented(command) == [command]


def test_actions_are_pinned_by_version_tag():
    uses = [step["uses"] for _, _, step in steps() if "uses" in step]
    assert uses and [u for u in uses if not PINNED.match(u)] == []


def test_secrets_come_from_the_repository_secrets():
    for path in WORKFLOWS:
        text = path.read_text()
        for key, value in re.findall(r"^\s*(PULUMI_\w+|[\w-]*(?:PASSPHRASE|TOKEN|PASSWORD)\w*):\s*(.+)$", text, re.MULTILINE):
            assert value.strip() == f"${{{{ secrets.{key} }}}}", f"{path.name}: {key}"


def test_pulumi_version_matches_the_pinned_toolchain():
    pinned = re.search(r"^PULUMI_VERSION=(\S+)$", (ROOT / "scripts/versions.env").read_text(), re.MULTILINE).group(1)
    versions = {str(step["with"].get("pulumi-version")) for _, _, step in steps() if "pulumi/actions" in step.get("uses", "")}
    assert versions == {pinned}


def test_pr_previews_each_shared_stack_with_the_policy_pack_and_comments_once():
    pr = yaml.safe_load((ROOT / ".github/workflows/pr.yml").read_text())
    preview = pr["jobs"]["preview"]["steps"]
    pulumi = [s["with"] for s in preview if "pulumi/actions" in s.get("uses", "")]
    assert [(w["command"], w["stack-name"], w["diff"], w["policyPacks"]) for w in pulumi] == [
        ("preview", "dev", True, "policies"), ("preview", "prod", True, "policies")]
    compose = next(s for s in preview if "pr-comment" in s.get("run", ""))
    assert compose["run"].split()[4:6] == ["dev", "prod"]
    assert set(compose["env"]) == {"AISTACK_PREVIEW_DEV", "AISTACK_PREVIEW_DEV_OUTCOME", "AISTACK_PREVIEW_PROD",
                                   "AISTACK_PREVIEW_PROD_OUTCOME"}
    comments = [s for s in preview if "sticky-pull-request-comment" in s.get("uses", "")]
    assert len(comments) == 1 and comments[0]["with"]["path"] == "out/pr-comment.md"


def test_prod_is_deployed_only_after_approval():
    main = yaml.safe_load((ROOT / ".github/workflows/main.yml").read_text())
    assert main[True] == {"push": {"branches": ["main"]}}  # YAML 1.1 reads the key `on` as true
    prod = main["jobs"]["prod"]
    assert prod["environment"] == "production" and prod["needs"] == "dev"
    ups = {s["with"]["stack-name"]: job for job, j in main["jobs"].items() for s in j["steps"]
           if s.get("with", {}).get("command") == "up"}
    assert ups == {"dev": "dev", "prod": "prod"}
