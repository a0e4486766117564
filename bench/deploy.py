"""Deploy time: `pulumi up` of the offline stack (cold, then a no-op up) next to `docker compose up` of the same
containers and images, from a compose file generated from the same plan (bench/compose.py).

    python bench/deploy.py                # 3 runs of each
    python bench/deploy.py --quick        # 1 compose run; the Pulumi side is skipped
    python bench/deploy.py --runs 5 --stack local

Both sides start from built images (bench/images.py builds and tags them; Pulumi's image resources hit the
BuildKit cache) and from no containers. Compose: `docker compose up -d --wait` (cold: containers, volumes and the
network are created, then wait for health checks and the one-shot model fetch), then the same command again
(no-op), then `down -v`. Pulumi: `pulumi up --skip-preview` on a fresh stack in a throwaway backend, then a no-op
`pulumi up`, then `pulumi destroy`. Compose v2 is needed for `--wait`: Debian's `docker-compose` package
(trixie: 2.x) is used when installed; on older Debian the trixie package is fetched with apt and unpacked into the
bench cache, without installing it.
"""
from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from _common import CACHE, error_summary, header, median, run, stack_run_args, verdict, write_json  # noqa: E402

TARGET_RATIO = 1.5


def _compose_v2(cmd: list[str]) -> bool:
    try:
        p = subprocess.run([*cmd, "version", "--short"], capture_output=True, text=True)
    except OSError:
        return False
    return p.returncode == 0 and p.stdout.strip().lstrip("v")[:1] not in ("", "1")


def compose_command() -> tuple[list[str] | None, str]:
    """A compose v2 command line, or (None, why not)."""
    for cmd in (["docker", "compose"], ["docker-compose"]):
        if _compose_v2(cmd):
            return cmd, " ".join(cmd)
    cached = CACHE / "compose" / "usr" / "libexec" / "docker" / "cli-plugins" / "docker-compose"
    if not cached.exists():
        tmp = pathlib.Path(tempfile.mkdtemp(prefix="aistack-bench-apt-"))
        try:
            (tmp / "lists" / "partial").mkdir(parents=True)
            mirror = "http://deb.debian.org/debian"
            (tmp / "sources.list").write_text(f"deb {mirror} trixie main\n")
            opts = ["-o", f"Dir::Etc::SourceList={tmp / 'sources.list'}", "-o", "Dir::Etc::SourceParts=-",
                    "-o", f"Dir::State::Lists={tmp / 'lists'}", "-o", "Acquire::Check-Valid-Until=false"]
            run(["apt-get", *opts, "update", "-qq"], check=False)
            run(["apt-get", *opts, "download", "docker-compose"], cwd=tmp, check=False)
            debs = sorted(tmp.glob("docker-compose_*.deb"))
            if debs:
                (CACHE / "compose").mkdir(parents=True, exist_ok=True)
                run(["dpkg", "-x", str(debs[-1]), str(CACHE / "compose")], check=False)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    if cached.exists() and _compose_v2([str(cached)]):
        return [str(cached)], f"{cached.name} (Debian trixie package, unpacked)"
    return None, "compose v2 (`docker compose up --wait`) is not available: install Debian's docker-compose 2.x"


def engine_allows_unlimited_memlock() -> bool:
    p = run(["docker", "run", "--rm", "--ulimit", "memlock=-1:-1", "--entrypoint", "/usr/local/bin/healthcheck",
             "aistack/gateway:0.1.0", "--help"], check=False)[1]
    return "rlimit" not in (p.stdout or "")


def bench_config(stack: str) -> tuple[dict, list[str]]:
    """The stack's config for both sides: own names, subnet and a free gateway port, so a deployed stack on the
    same engine is never touched; `mlock: false` where this engine cannot give servers an unlimited memlock."""
    import sys as _sys

    from _common import ROOT

    _sys.path.insert(0, str(ROOT))
    from components.config.load import config_from_stack_file

    from compose import _free_port

    raw = config_from_stack_file(stack, ROOT)
    raw["docker"] = dict(raw.get("docker") or {}, namePrefix="aistack-bench", networkSubnet="172.29.182.0/24")
    raw["gateway"] = dict(raw.get("gateway") or {}, port=_free_port("127.0.0.1"))
    notes = []
    if not engine_allows_unlimited_memlock():
        notes.append("this engine may not give a container an unlimited memlock ulimit (the daemon cannot raise "
                     "RLIMIT_MEMLOCK)")
    if notes:
        raw["cpuServers"] = [dict(srv, mlock=False) for srv in raw.get("cpuServers") or []]
        notes.append("so both sides run the CPU servers with `mlock: false`")
    return raw, notes


def compose_runs(stack: str, runs: int, config: dict) -> dict:
    from compose import capture, generate

    cmd, what = compose_command()
    if not cmd:
        return {"error": what}
    out = pathlib.Path(tempfile.mkdtemp(prefix="aistack-bench-compose-"))
    os.chmod(out, 0o755)
    try:
        doc = generate(capture(stack, {k: config[k] for k in ("docker", "gateway", "cpuServers") if k in config}), out)
        for d in out.rglob("*"):
            if d.is_dir():
                os.chmod(d, 0o755)
        missing = sorted({s["image"] for s in doc["services"].values()
                          if run(["docker", "image", "inspect", s["image"]], check=False)[1].returncode != 0})
        if missing:
            return {"error": f"images not built: {', '.join(missing)} (run bench/images.py first)"}
        base = [*cmd, "-f", str(out / "compose.yaml"), "-p", "aistackbench"]
        res: dict = {"compose": what, "services": len(doc["services"]), "cold_s": [], "noop_s": [], "down_s": []}
        run([*base, "down", "-v", "--remove-orphans"], check=False)
        try:
            for _ in range(runs):
                res["cold_s"].append(run([*base, "up", "-d", "--wait"])[0])
                res["noop_s"].append(run([*base, "up", "-d", "--wait"])[0])
                res["down_s"].append(run([*base, "down", "-v"])[0])
        finally:
            run([*base, "down", "-v", "--remove-orphans"], check=False)
        return res
    except RuntimeError as exc:
        return {"error": str(exc).splitlines()[0] + " | " + error_summary(exc)}
    finally:
        shutil.rmtree(out, ignore_errors=True)


def pulumi_runs(stack: str, runs: int, config: dict) -> dict:
    from _pulumi import TempStack, pulumi_env, unavailable

    env = pulumi_env()
    why = unavailable(env)
    if why:
        return {"error": why}
    res: dict = {"cold_s": [], "noop_s": []}
    try:
        for _ in range(runs):
            with TempStack(stack, env, config) as s:
                dt, up = s.result("up", "--yes", "--skip-preview", check=False)
                if up.returncode != 0:
                    return {"error": f"`pulumi up` failed after {dt:.1f} s ({s.resource_count()} resources in state, "
                                     f"with the stack and providers): "
                                     + error_summary(RuntimeError("pulumi up\n" + up.stdout + up.stderr))}
                res["cold_s"].append(dt)
                res["noop_s"].append(s.up())
    except RuntimeError as exc:
        return {"error": error_summary(exc)}
    return res


def main(argv=None) -> int:
    a, runs = stack_run_args(__doc__, argv, quick_runs=1, full_runs=3)
    header(f"deploy: pulumi up vs docker compose up of the `{a.stack}` stack ({runs} runs each)")
    config, notes = bench_config(a.stack)
    for note in notes:
        print(f"note: {note}")
    c = compose_runs(a.stack, runs, config)
    p = pulumi_runs(a.stack, runs, config) if not a.quick else {"error": "skipped in quick mode (a cold `pulumi up` "
                                                                         "builds and waits for health checks)"}
    print("| tool | cold up (median) | no-op up (median) | runs |")
    print("|---|---|---|---|")
    for name, r in (("docker compose", c), ("pulumi", p)):
        if "error" in r:
            print(f"| {name} | not measurable: {r['error']} | | |")
        else:
            print(f"| {name} | {median(r['cold_s']):.2f} s | {median(r['noop_s']):.2f} s | "
                  f"cold {', '.join(f'{x:.2f}' for x in r['cold_s'])}; no-op {', '.join(f'{x:.2f}' for x in r['noop_s'])} |")
    if "error" not in c:
        print(f"compose: {c['compose']}, {c['services']} services; down -v median {median(c['down_s']):.2f} s")
    if "error" in c or "error" in p:
        print("cold up ratio pulumi/compose (target ≤ 1.5): not measurable: "
              + "; ".join(r["error"] for r in (p, c) if "error" in r))
    else:
        ratio = median(p["cold_s"]) / median(c["cold_s"])
        print(f"cold up ratio pulumi/compose: {ratio:.2f} (target ≤ {TARGET_RATIO}: {verdict(ratio, TARGET_RATIO)})")
    write_json(a.json, {"compose": c, "pulumi": p, "notes": notes})
    return 0


if __name__ == "__main__":
    sys.exit(main())
