"""The core paths of two checkouts of streamstats side by side: did a change cost
speed? Run ``python benchmarks/bench_checkouts.py OLD_DIR NEW_DIR`` (each a checkout
whose ``streamstats`` package is imported through PYTHONPATH). Each round runs every
job in a fresh process of each checkout in turn (interleaved), best of the rounds;
prints times and the ratio new/old.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

JOBS = r'''
import json, time
import numpy as np, pandas as pd
import streamstats as ss
from streamstats.optim import Adam

def best(fn, repeat=5):
    out = []
    for _ in range(repeat):
        t = time.perf_counter(); fn(); out.append(time.perf_counter() - t)
    return min(out)

rng = np.random.default_rng(0)
x = rng.normal(size=10_000_000)
s = pd.Series(x)
frame = pd.DataFrame(rng.normal(size=(100_000, 200)))
keyed = pd.DataFrame({"k": rng.integers(0, 1000, 1_000_000), "x": rng.normal(size=1_000_000)})
one = pd.DataFrame({"x": [1.0]})
sm = ss.OnlineSmoother(beta=0.9)
acc = ss.EWA(beta=0.9)
var = ss.EWVar(beta=0.9)
w = np.zeros(10_000_000, np.float32); g = rng.normal(size=10_000_000).astype(np.float32)
opt = Adam(lr=1e-3)
for f in (lambda: ss.ewa(x[:1000], beta=0.9), lambda: s.ewa.var(beta=0.9).iloc[:10],
          lambda: sm.update(one), lambda: opt.step(w, g)):
    f()  # compile, warm
res = {
    "ss.ewa corrected, 10M (ms)": best(lambda: ss.ewa(x, beta=0.9, bias_correction=True)) * 1e3,
    "s.ewa.var, 10M (ms)": best(lambda: s.ewa.var(beta=0.9)) * 1e3,
    "df.ewa.smooth 100k x 200 (ms)": best(lambda: frame.ewa.smooth(beta=0.9)) * 1e3,
    "by=key, 1M rows, 1000 keys (ms)": best(lambda: keyed.ewa.smooth(beta=0.9, by="k")) * 1e3,
    "OnlineSmoother.update, 1 row (us)": best(lambda: [sm.update(one) for _ in range(1000)]) * 1e3,
    "EWA.update(float) (ns)": best(lambda: [acc.update(0.5) for _ in range(100_000)]) * 1e4,
    "EWVar.update(float) (us)": best(lambda: [var.update(0.5) for _ in range(10_000)]) * 1e2,
    "Adam step, 10M float32 (ms)": best(lambda: opt.step(w, g)) * 1e3,
}
print(json.dumps(res))
'''


def run(checkout: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": checkout}
    done = subprocess.run([sys.executable, "-c", JOBS], env=env, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    best: dict[str, dict[str, float]] = {"old": {}, "new": {}}
    for _ in range(args.rounds):
        for which in ("old", "new"):
            for job, value in run(getattr(args, which)).items():
                best[which][job] = min(value, best[which].get(job, float("inf")))
    print("| job | old | new | new/old |\n|---|---|---|---|")
    for job, old in best["old"].items():
        new = best["new"][job]
        print(f"| {job} | {old:.3g} | {new:.3g} | {new / old:.2f} |")


if __name__ == "__main__":
    main()
