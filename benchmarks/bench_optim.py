"""One optimizer step, streamstats.optim against torch, side by side in one process.

Run: ``pip install ".[bench]" torch==2.13.0 && python benchmarks/bench_optim.py``.
Adam on 10 million float32 parameters against torch's ``Adam(fused=True)`` at 1 and
2 threads (numba and torch set alike), Momentum and RMSprop against torch's
``foreach`` implementations, and a step over 50 small arrays (an MLP's parameters)
against torch's ``foreach`` Adam. Best of several runs, interleaved.
"""

from __future__ import annotations

import argparse

import numba
import numpy as np
import torch
from bench_core import race

from streamstats.optim import Adam, Momentum, RMSprop


@numba.njit(parallel=True)
def _memory_floor(p, g, m, s):
    """Adam's memory traffic (read p, g, m, s; write p, m, s) with no arithmetic to
    speak of: the floor of any Adam step."""
    for i in numba.prange(p.shape[0]):
        m[i] = m[i] + g[i]
        s[i] = s[i] + g[i]
        p[i] = p[i] + m[i]


def _pair(ours_opt, torch_make, shapes, rng):
    params = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grads = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    twins = [torch.nn.Parameter(torch.from_numpy(p.copy())) for p in params]
    for t, g in zip(twins, grads):
        t.grad = torch.from_numpy(g.copy())
    theirs = torch_make(twins)
    ours_opt.step(params, grads)  # compile and create the state outside the timings
    theirs.step()
    return (lambda: ours_opt.step(params, grads)), theirs.step


def _row(title, n, times, target=None):
    ours = times.pop("streamstats")
    print(f"\n{title}")
    print(f"  {'streamstats':<34}{ours / n * 1e9:8.3f} ns/param  ({ours * 1e6:9.1f} us)")
    for name, t in times.items():
        verdict = "" if target is None or name.startswith("memory") else (
            f" (target <= {target:.2f}) " + ("ok" if ours / t <= target else "MISSED"))
        print(f"  {name:<34}{t / n * 1e9:8.3f} ns/param  ({t * 1e6:9.1f} us)  "
              f"ratio {ours / t:5.2f}{verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    n, r = args.n, args.repeat
    print(f"{n:,} float32 parameters; best of {r}, interleaved; torch {torch.__version__}, "
          f"numba {numba.__version__}")
    for threads in (1, 2):
        numba.set_num_threads(threads)
        torch.set_num_threads(threads)
        ours, theirs = _pair(Adam(1e-3, eps_inside_sqrt=False),
                             lambda p: torch.optim.Adam(p, lr=1e-3, fused=True), [(n,)], rng)
        arrays = [np.zeros(n, np.float32) for _ in range(4)]
        _memory_floor(*arrays)
        _row(f"Adam step, {threads} thread(s)", n,
             race({"streamstats": ours, "torch Adam(fused=True)": theirs,
                   "memory floor (same traffic)": lambda a=arrays: _memory_floor(*a)}, r),
             target=0.8)
    numba.set_num_threads(2)
    torch.set_num_threads(2)
    for title, ours_opt, torch_make in [
        ("Momentum (heavy ball) step, 2 threads", Momentum(1e-3, 0.9, form="heavy_ball"),
         lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.9, foreach=True)),
        ("RMSprop step, 2 threads", RMSprop(1e-3, 0.99, eps_inside_sqrt=False),
         lambda p: torch.optim.RMSprop(p, lr=1e-3, alpha=0.99, foreach=True)),
    ]:
        ours, theirs = _pair(ours_opt, torch_make, [(n,)], rng)
        _row(title, n, race({"streamstats": ours, "torch (foreach)": theirs}, r))

    shapes = [(64, 64), (64,)] * 25
    ours, theirs = _pair(Adam(1e-3, eps_inside_sqrt=False),
                         lambda p: torch.optim.Adam(p, lr=1e-3, foreach=True), shapes, rng)
    size = sum(int(np.prod(s)) for s in shapes)
    _row(f"Adam step over 50 small arrays ({size:,} parameters), 2 threads", size,
         race({"streamstats": ours, "torch Adam(foreach=True)": theirs}, r * 20), target=2.0)


if __name__ == "__main__":
    main()
