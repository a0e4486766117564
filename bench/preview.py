"""No-op preview: `pulumi preview` of an unchanged, deployed stack through the real engine.

    python bench/preview.py                 # 5 previews (median)
    python bench/preview.py --quick         # no deploy: 2 previews of the stack with nothing deployed
    python bench/preview.py --stack local

The stack is the offline one (`local`: Debian-built images, the tiny model) deployed on this machine's Docker
engine from a throwaway copy of the project and backend (bench/_pulumi.py), with its own container names, subnet
and gateway port (bench/deploy.py's bench_config), previewed with
`--expect-no-changes`, then destroyed. Needs the Pulumi CLI, the Python language host and the docker provider
plugin; without them it prints one "not measurable" line.
"""
from __future__ import annotations

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from _common import error_summary, header, median, stack_run_args, verdict, write_json  # noqa: E402
from _pulumi import TempStack, pulumi_env, unavailable  # noqa: E402

TARGET_S = 5.0


def main(argv=None) -> int:
    a, runs = stack_run_args(__doc__, argv, quick_runs=2, full_runs=5)
    header(f"preview: no-op `pulumi preview` of the deployed `{a.stack}` stack ({runs} runs)")
    env = pulumi_env()
    why = unavailable(env)
    res: dict = {}
    if why:
        res["error"] = why
        print(f"no-op preview: not measurable: {why}")
    else:
        try:
            from deploy import bench_config

            config, notes = bench_config(a.stack)
            for note in notes:
                print(f"note: {note}")
            with TempStack(a.stack, env, config) as s:
                if a.quick:  # no deploy in quick mode: the engine's preview of the stack with nothing deployed
                    res["preview_empty_s"] = [s.preview(expect_no_changes=False) for _ in range(runs)]
                    m = median(res["preview_empty_s"])
                    print(f"no-op preview: skipped in quick mode (it needs a deployed stack); preview with nothing "
                          f"deployed: median {m:.2f} s over {runs} ({', '.join(f'{x:.2f}' for x in res['preview_empty_s'])})")
                    write_json(a.json, res)
                    return 0
                res["up_s"], up = s.result("up", "--yes", "--skip-preview", check=False)
                if up.returncode == 0:
                    res["preview_s"] = [s.preview() for _ in range(runs)]
                else:
                    # the proxy: the same engine work on the stack as far as `up` got (all but the failed resources)
                    res["up_error"] = error_summary(RuntimeError("pulumi up\n" + up.stdout + up.stderr))
                    res["resources_deployed"] = s.resource_count()
                    res["preview_partial_s"] = [s.preview(expect_no_changes=False) for _ in range(runs)]
        except RuntimeError as exc:
            res["error"] = error_summary(exc)
            print(f"no-op preview: not measurable: {res['error']}")
        else:
            key = "preview_s" if "preview_s" in res else "preview_partial_s"
            m = median(res[key])
            runs_txt = ", ".join(f"{x:.2f}" for x in res[key])
            if key == "preview_s":
                print(f"no-op preview: median {m:.2f} s over {runs} ({runs_txt}); "
                      f"target ≤ {TARGET_S} s: {verdict(m, TARGET_S, ' s')}")
            else:
                print(f"no-op preview: not measurable: `pulumi up` failed: {res['up_error']}")
                print(f"proxy: preview of the partly deployed stack ({res['resources_deployed']} resources in state, with the stack and providers): "
                      f"median {m:.2f} s over {runs} ({runs_txt}); target for the no-op preview ≤ {TARGET_S} s: "
                      f"{verdict(m, TARGET_S, ' s')}")
    write_json(a.json, res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
