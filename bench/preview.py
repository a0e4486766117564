"""No-op preview: `pulumi preview` of an unchanged, deployed stack through the real engine.

    python bench/preview.py                 # 5 previews (median)
    python bench/preview.py --quick         # 2 previews
    python bench/preview.py --stack local

The stack is the offline one (`local`: Debian-built images, the tiny model) deployed on this machine's Docker
engine from a throwaway copy of the project and backend (bench/_pulumi.py), previewed with
`--expect-no-changes`, then destroyed. Needs the Pulumi CLI, the Python language host and the docker provider
plugin; without them it prints one "not measurable" line.
"""
from __future__ import annotations

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from _common import header, median, stack_run_args, verdict, write_json  # noqa: E402
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
            with TempStack(a.stack, env) as s:
                res["up_s"] = s.up()
                res["preview_s"] = [s.preview() for _ in range(runs)]
        except RuntimeError as exc:
            res["error"] = " ".join(str(exc).splitlines()[-3:])
            print(f"no-op preview: not measurable: {res['error']}")
        else:
            m = median(res["preview_s"])
            print(f"no-op preview: median {m:.2f} s over {runs} ({', '.join(f'{x:.2f}' for x in res['preview_s'])}); "
                  f"target ≤ {TARGET_S} s: {verdict(m, TARGET_S, ' s')}")
    write_json(a.json, res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
