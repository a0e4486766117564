"""`pr-comment STACK...` (CI): one markdown PR comment with each stack's preview diff and compliance report.

The previews come from the environment, as the workflow hands over the pulumi/actions step outputs:
AISTACK_PREVIEW_<STACK> holds the `pulumi preview --diff` text and AISTACK_PREVIEW_<STACK>_OUTCOME the
step outcome (success, failure, skipped). Exits 1 when a preview failed, after writing the comment.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import re

from .common import UsageError, check_stack, step

HELP = "CI: write one PR comment with each stack's preview diff and compliance report"
MARKER = "<!-- aistack:pr-comment -->"
LIMIT = 60_000  # GitHub refuses comments over 65,536 characters
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
ICONS = {"success": "✅ succeeded", "failure": "❌ failed", "skipped": "⏭ skipped", "cancelled": "⏹ cancelled"}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pr-comment", help=HELP, description=__doc__)
    p.add_argument("stacks", nargs="+", metavar="STACK", help="stacks to include, in order")
    p.add_argument("--out", required=True, metavar="FILE", help="where to write the markdown")
    p.add_argument("--config", metavar="FILE", help="policy-pack config JSON for the compliance reports")


def env_key(stack: str) -> str:
    return "AISTACK_PREVIEW_" + re.sub(r"[^A-Z0-9]", "_", stack.upper())


def _compliance(stack: str, config: dict | None) -> tuple[str, str]:
    """(one-line summary, markdown report with its headings moved under the stack's)."""
    from components.testing.capture import capture_resources
    from policies.report import build_report

    report = build_report(capture_resources(stack), config, stack=stack)
    s = report.to_json()["summary"]
    line = f"{s['mandatory_failures']} mandatory failure(s); {s['fail']} fail, {s['waived']} waived, {s['pass']} pass"
    return line, re.sub(r"^## ", "#### ", report.to_markdown(), flags=re.MULTILINE)


def _fenced(text: str, budget: int) -> str:
    text = ANSI.sub("", text).rstrip()
    if len(text) > budget:
        cut = text[len(text) - budget:]
        cut = cut[cut.find("\n") + 1:]
        text = f"... ({len(text) - len(cut)} characters cut; the whole output is in the job log)\n{cut}"
    return f"````diff\n{text}\n````"


def compose(stacks: list[str], previews: dict[str, tuple[str, str]], reports: dict[str, tuple[str, str]],
            run_url: str | None) -> str:
    head = [MARKER, "## aistack: preview and compliance", "", "| stack | preview | compliance |", "|---|---|---|"]
    head += [f"| `{s}` | {ICONS.get(previews[s][1], previews[s][1] or 'not run')} | {reports[s][0]} |" for s in stacks]
    if run_url:
        head += ["", f"Logs: {run_url}"]
    fixed = sum(len(r[1]) for r in reports.values()) + sum(len(x) for x in head) + 400 * len(stacks)
    budget = max(2_000, (LIMIT - fixed) // max(1, len(stacks)))
    body = head[:]
    for s in stacks:
        output, outcome = previews[s]
        body += ["", f"### `{s}`", "", "<details><summary>pulumi preview --diff</summary>", ""]
        body += [_fenced(output, budget) if output else f"_no preview output ({outcome or 'not run'})_", "", "</details>"]
        body += ["", "<details><summary>Compliance report</summary>", "", reports[s][1], "</details>"]
    return "\n".join(body) + "\n"


def run(args: argparse.Namespace) -> int:
    stacks = [check_stack(s) for s in args.stacks]
    config = None
    if args.config:
        try:
            config = json.loads(pathlib.Path(args.config).read_text())
        except (OSError, ValueError) as exc:
            raise UsageError(f"--config {args.config}: {exc}") from None
    previews = {s: (os.environ.get(env_key(s), ""), os.environ.get(env_key(s) + "_OUTCOME", "")) for s in stacks}
    reports = {}
    for s in stacks:
        step(f"compliance report of stack {s}")
        reports[s] = _compliance(s, config)
    server, repo, run_id = (os.environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))
    run_url = f"{server}/{repo}/actions/runs/{run_id}" if server and repo and run_id else None
    text = compose(stacks, previews, reports, run_url)
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    step(f"wrote {out} ({len(text)} characters)")
    failed = [s for s in stacks if previews[s][1] == "failure"]
    if failed:
        print(f"preview failed for: {', '.join(failed)}")
        return 1
    return 0
