"""Image size and build-time benchmark: each HardenedImage next to a naive single-stage build of the same server.

    python bench/images.py                      # cold (--no-cache) builds, sizes, rebuild after a source change
    python bench/images.py --quick              # no cold builds: sizes of built images, one cached rebuild
    python bench/images.py --names gateway,prometheus --cold-runs 2 --rebuild-runs 3

Builds are offline (`SOURCE=debian`, base image `aistack/debian-base:sid`, see scripts/engine.sh), with the build
context `images/` as the stack builds them. Hardened images are tagged `aistack/<name>:<tag>` (what the stack and
bench/compose.py run), naive ones `aistack-bench/<name>-naive:latest`.

The source-only change is made in a temporary copy of `images/` (the repository is never modified): one line is
appended to the file the image's last build stage copies (its config or script; `common/healthcheck.c` for images
that have no other file of ours). The rebuild reuses the layer cache; the ratio is rebuild time / cold build time,
both measured in this run.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import pathlib
import shutil
import sys
import tempfile
import time
import uuid

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from _common import BENCH, ROOT, fmt_s, header, median, run, write_json  # noqa: E402

NAMES = ["llama-cpu", "gateway", "prometheus", "node-exporter", "model-fetch", "llama-cuda"]
# The file of ours that each image's last build stage copies; changing it is a "source-only change".
SOURCE_FILE = {
    "llama-cpu": "common/healthcheck.c",
    "gateway": "gateway/nginx.conf",
    "prometheus": "prometheus/prometheus.yml",
    "node-exporter": "common/healthcheck.c",
    "model-fetch": "model-fetch/fetch-model.sh",
    "llama-cuda": "common/healthcheck.c",
}
NOT_OFFLINE = {
    "vllm": "SOURCE=debian is not possible (not packaged); upstream needs the nvidia/cuda image and PyPI wheels",
    "cadvisor": "SOURCE=debian is not possible (not packaged); upstream needs a git clone",
}
TARGET_SIZE, TARGET_REBUILD = 0.35, 0.15


def image_size(ref: str) -> int | None:
    _, p = run(["docker", "image", "inspect", "-f", "{{.Size}}", ref], check=False)
    return int(p.stdout.strip()) if p.returncode == 0 else None


def build(dockerfile: pathlib.Path, context: pathlib.Path, tag: str, args: dict[str, str], no_cache=False) -> float:
    cmd = ["docker", "build", "-q", "-f", str(dockerfile), "-t", tag]
    if no_cache:
        cmd.append("--no-cache")
    for k, v in args.items():
        cmd += ["--build-arg", f"{k}={v}"]
    cmd.append(str(context))
    env = dict(os.environ, DOCKER_BUILDKIT="1")
    dt, _ = run(cmd, env=env)
    return dt


HC_STAGE = ("COPY common/healthcheck.c /src/healthcheck.c\nRUN builder-setup.sh gcc libc6-dev \\\n && gcc ")
HC_STAGE_REORDERED = "RUN builder-setup.sh gcc libc6-dev\nCOPY common/healthcheck.c /src/healthcheck.c\nRUN gcc "


def reorder_healthcheck_stage(dockerfile: pathlib.Path) -> bool:
    """In a temp copy: install gcc before copying healthcheck.c, so a change to it keeps the apt layer cached."""
    text = dockerfile.read_text()
    if HC_STAGE not in text:
        return False
    dockerfile.write_text(text.replace(HC_STAGE, HC_STAGE_REORDERED))
    return True


def append_line(path: pathlib.Path, nonce: str) -> None:
    line = f"/* bench {nonce} */\n" if path.suffix == ".c" else f"# bench {nonce}\n"
    with open(path, "a") as f:
        f.write(line)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="no cold builds; one cached rebuild (gateway)")
    ap.add_argument("--no-cold", action="store_true", help="skip the --no-cache builds (rebuild ratios need them)")
    ap.add_argument("--names", default=",".join(NAMES))
    ap.add_argument("--cold-runs", type=int, default=1, help="--no-cache builds per hardened image (median)")
    ap.add_argument("--rebuild-runs", type=int, default=3, help="rebuilds after a source change (median)")
    ap.add_argument("--base-image", default=os.environ.get("AISTACK_BASE_IMAGE", "aistack/debian-base:sid"))
    ap.add_argument("--tag", default="0.1.0")
    ap.add_argument("--extra-ca", help="PEM file passed as EXTRA_CA_PEM (TLS-intercepting proxies)")
    ap.add_argument("--wait-base", type=int, default=0, help="seconds to wait for the base image to appear")
    ap.add_argument("--json", help="also write the figures to this JSON file")
    a = ap.parse_args(argv)

    header("images: HardenedImage size and rebuild time vs naive single-stage builds")
    names = [n for n in a.names.split(",") if n]
    for n, why in NOT_OFFLINE.items():
        print(f"{n}: not measured: {why}")
    names = [n for n in names if n not in NOT_OFFLINE]

    deadline = time.time() + a.wait_base
    while image_size(a.base_image) is None:
        if time.time() >= deadline:
            print(f"not measurable: base image {a.base_image} is missing (run scripts/engine.sh)")
            return 0
        time.sleep(10)

    args = {"SOURCE": "debian", "BASE_IMAGE": a.base_image}
    if a.extra_ca:
        args["EXTRA_CA_PEM"] = base64.b64encode(pathlib.Path(a.extra_ca).read_bytes()).decode()
    naive_args = {"BASE_IMAGE": a.base_image}
    images = ROOT / "images"
    results = {}
    rebuild_names = names if not a.quick else [n for n in names if n == "gateway"]

    for n in names:
        r = results[n] = {}
        tag, naive_tag = f"aistack/{n}:{a.tag}", f"aistack-bench/{n}-naive:latest"
        dockerfile = images / n / "Dockerfile"
        if not a.quick and not a.no_cold:
            cold = []
            for i in range(a.cold_runs):
                cold.append(build(dockerfile, images, tag, args, no_cache=True))
                print(f"{n}: cold build {i + 1}/{a.cold_runs}: {cold[-1]:.1f} s", flush=True)
            r["cold_s"] = median(cold)
            r["cold_runs_s"] = cold
            dt = build(BENCH / "naive" / f"{n}.Dockerfile", images, naive_tag, naive_args, no_cache=True)
            r["naive_cold_s"] = dt
            print(f"{n}: naive cold build: {dt:.1f} s", flush=True)
        else:
            for t in (tag, naive_tag):
                if image_size(t) is None:
                    print(f"{n}: {t} is not built (run bench/images.py without --quick once)")
        r["size"], r["naive_size"] = image_size(tag), image_size(naive_tag)
        if r["size"] and r["naive_size"]:
            r["size_ratio"] = r["size"] / r["naive_size"]
        if n in rebuild_names and r["size"] is not None:
            with tempfile.TemporaryDirectory(prefix="aistack-bench-ctx-") as tmp:
                ctx = pathlib.Path(tmp) / "images"
                shutil.copytree(images, ctx)
                # the unchanged copy: every layer should come from the cache
                r["nochange_s"] = build(ctx / n / "Dockerfile", ctx, f"aistack-bench/{n}-rebuild:latest", args)
                reb = []
                for i in range(a.rebuild_runs if not a.quick else 1):
                    append_line(ctx / SOURCE_FILE[n], uuid.uuid4().hex)
                    reb.append(build(ctx / n / "Dockerfile", ctx, f"aistack-bench/{n}-rebuild:latest", args))
                r["rebuild_s"] = median(reb)
                r["rebuild_runs_s"] = reb
                r["changed_file"] = SOURCE_FILE[n]
                # what the same change costs with the healthcheck stage's layers in cache-friendly order
                if SOURCE_FILE[n] == "common/healthcheck.c" and not a.quick and reorder_healthcheck_stage(ctx / n / "Dockerfile"):
                    build(ctx / n / "Dockerfile", ctx, f"aistack-bench/{n}-rebuild:latest", args)
                    reo = []
                    for i in range(a.rebuild_runs):
                        append_line(ctx / SOURCE_FILE[n], uuid.uuid4().hex)
                        reo.append(build(ctx / n / "Dockerfile", ctx, f"aistack-bench/{n}-rebuild:latest", args))
                    r["rebuild_reordered_s"] = median(reo)
                    r["rebuild_reordered_runs_s"] = reo
            run(["docker", "image", "rm", "-f", f"aistack-bench/{n}-rebuild:latest"], check=False)
            if r.get("cold_s"):
                r["rebuild_ratio"] = r["rebuild_s"] / r["cold_s"]
                if r.get("rebuild_reordered_s"):
                    r["rebuild_reordered_ratio"] = r["rebuild_reordered_s"] / r["cold_s"]
        print(f"{n}: {json.dumps(r)}", flush=True)

    print()
    print("| image | hardened | naive | size ratio (target ≤ 0.35) | cold build | rebuild after change (file) | no-change rebuild | rebuild/cold (target ≤ 0.15) |")
    print("|---|---|---|---|---|---|---|---|")
    mb = lambda b: "n/a" if b is None else f"{b / 1e6:.1f} MB"  # noqa: E731
    for n, r in results.items():
        sr = r.get("size_ratio")
        rr = r.get("rebuild_ratio")
        print(f"| {n} | {mb(r.get('size'))} | {mb(r.get('naive_size'))} | "
              f"{'n/a' if sr is None else f'{sr:.2f}' + (' ok' if sr <= TARGET_SIZE else ' MISS')} | "
              f"{fmt_s(r.get('cold_s'), digits=1)} | {fmt_s(r.get('rebuild_s'), digits=1)} ({r.get('changed_file', '-')}) | "
              f"{fmt_s(r.get('nochange_s'), digits=1)} | "
              f"{'n/a' if rr is None else f'{rr:.2f}' + (' ok' if rr <= TARGET_REBUILD else ' MISS')} |")
    for n, r in results.items():
        if r.get("rebuild_reordered_s"):
            print(f"{n}: with the healthcheck stage reordered (gcc installed before COPY healthcheck.c, temp copy): "
                  f"rebuild {r['rebuild_reordered_s']:.1f} s, ratio {r.get('rebuild_reordered_ratio', 0):.2f}")
    write_json(a.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
