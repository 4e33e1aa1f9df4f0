"""PyTorch CPU peer for bench/engine.ts: the benchmark net of docs/architecture.md section 5, same batch,
same thread count, one Adam step per iteration; --warmup untimed steps, then --steps timed ones (engine.ts passes
its own counts), or as many as --seconds takes. Prints progress to stderr and one JSON line
({"samples_per_s", "threads", "interop_threads", "torch_version", ...}) to stdout. Run with /usr/bin/python3. A bad option is refused
before any work in one line on stderr, exit 1, as bench/args.ts refuses the TS benches'."""
import argparse
import json
import re
import sys
import time

SCRIPT = "bench/engine_torch.py"


class OneLineParser(argparse.ArgumentParser):
    """argparse refusing a bad option as bench/args.ts does: one line on stderr saying what to fix, exit 1
    (argparse's own error is the usage and then the message, exit 2)."""

    def error(self, message):
        why = re.sub(r"^argument (--[\w-]+)(/-\w)?: ", r"\1: ", message)
        sys.stderr.write(f"{SCRIPT}: {why}; see /usr/bin/python3 {SCRIPT} --help\n")
        sys.exit(1)


def whole(least):
    """A whole number of at least `least`, refused in bench/args.ts's words."""
    def parse(v):
        try:
            n = int(v)
        except ValueError:
            n = None
        if n is None or n < least:
            raise argparse.ArgumentTypeError(f"must be a whole number of at least {least} (got {json.dumps(v)})")
        return n
    return parse


def positive(v):
    """A number above 0 (--seconds)."""
    try:
        x = float(v)
    except ValueError:
        x = float("nan")
    if not x > 0 or x == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number above 0 (got {json.dumps(v)})")
    return x


# the options first, so that a bad one is refused before torch's import (seconds)
ap = OneLineParser(prog=SCRIPT, allow_abbrev=False)  # strict, as bench/args.ts: --second is not --seconds
ap.add_argument("--threads", type=whole(1), default=2)
ap.add_argument("--batch", type=whole(1), default=64)
ap.add_argument("--warmup", type=whole(0), default=3)
ap.add_argument("--seconds", type=positive, default=10.0, help="time the steps for this long (at least 3), unless --steps")
ap.add_argument("--steps", type=whole(0), default=0, help="time exactly this many steps (engine.ts: as many as its own)")
a = ap.parse_args()

import torch
import torch.nn as nn
import torch.nn.functional as F

# both pools to --threads: intra-op (the kernels) and inter-op (set before any parallel work starts, or torch refuses
# it), so --threads 1 is one busy thread, as ours is, and the CPU time per sample compares like with like
torch.set_num_interop_threads(a.threads)
torch.set_num_threads(a.threads)
torch.manual_seed(0)
net = nn.Sequential(
    nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(4096, 128), nn.ReLU(), nn.Linear(128, 16),
)
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
x = torch.rand(a.batch, 3, 64, 64)
y = torch.randint(0, 16, (a.batch,))


def step():
    opt.zero_grad()
    loss = F.cross_entropy(net(x), y)
    loss.backward()
    opt.step()
    return loss.item()


for _ in range(a.warmup):
    step()
steps = 0
t0 = time.perf_counter()
c0 = time.process_time()
while True:
    loss = step()
    steps += 1
    dt = time.perf_counter() - t0
    if (steps >= a.steps) if a.steps > 0 else (dt >= a.seconds and steps >= 3):
        break
cpu = time.process_time() - c0
print(f"torch: {steps} steps in {dt:.2f}s, loss {loss:.3f}", file=sys.stderr)
print(json.dumps({"samples_per_s": steps * a.batch / dt, "samples_per_cpu_s": steps * a.batch / cpu, "steps": steps, "seconds": dt,
                  "threads": torch.get_num_threads(), "interop_threads": torch.get_num_interop_threads(),
                  "torch_version": torch.__version__}))
