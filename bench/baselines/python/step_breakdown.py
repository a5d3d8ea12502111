#!/usr/bin/env python3
"""step_breakdown.py -- where a penalized training step goes, op by op, in CPU time.

Runs the penalized step of bench/baselines/python/step_bench.py (same net, loss, Jacobian penalty n = 1 and SGDM
update, batch 32, the libtorch that jacreg uses), cut into four phases:

  forward         logits, cross-entropy, softmax, s = sum(V * softmax)
  grad (create)   g = d s / d x with create_graph=True (the first backward), and R = C/B * sum(g^2)
  backward        total.backward(): through the forward graph and the first backward's graph
  optimizer       the SGDM update of the 14 parameters

Two measurements, both in CPU time of the stepping thread (time.thread_time), which other processes on a
busy machine inflate far less than wall time (torch.profiler reports wall time):
  1. each phase without instrumentation, median over steps;
  2. each ATen op as it reaches the dispatcher (a TorchDispatchMode that reads the thread's CPU clock around
     every op, the autograd engine's ops included), summed per phase and op, with the FLOPs of convolutions
     (forward; backward: grad_input and grad_weight each cost as much as the forward) and matrix products
     computed from the shapes. Ops called inside another op (mkldnn_convolution inside convolution) are part
     of the outer op's time.
Prints markdown on stdout.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/baselines/python/step_breakdown.py [--steps 30] [--warmup 10]
        [--threads 1] [--mkldnn on|off|grad-off] [--json FILE] [--batch 32]
"""

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict

import torch
import torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import step_bench as sb  # noqa: E402  (same model and constants)

PHASES = ["forward", "grad (create_graph)", "backward", "optimizer"]
aten = torch.ops.aten
MKLDNN_FIRST_BACKWARD_OFF = False  # --mkldnn grad-off


def conv_flops(weight, out_equiv):
    """2 × outputs × (input channels per group × kernel area) of the equivalent non-transposed convolution."""
    return 2 * out_equiv.numel() * weight.shape[1] * weight[0, 0].numel()


def op_flops(func, args, result):
    if func is aten.convolution.default:
        x, w, transposed = args[0], args[1], args[6]
        return conv_flops(w, x if transposed else result)
    if func is aten.convolution_backward.default:
        gout, x, w, transposed, mask = args[0], args[1], args[2], args[7], args[10]
        return conv_flops(w, x if transposed else gout) * (int(mask[0]) + int(mask[1]))
    if func is aten.mm.default:
        return 2 * args[0].shape[0] * args[0].shape[1] * args[1].shape[1]
    if func is aten.addmm.default:
        return 2 * args[1].shape[0] * args[1].shape[1] * args[2].shape[1]
    return 0


class CpuTimeMode(TorchDispatchMode):
    """Sums the thread CPU time and FLOPs of every ATen op per (phase, op)."""

    def __init__(self):
        super().__init__()
        self.per_op = defaultdict(lambda: [0.0, 0, 0])  # (phase, op) -> [cpu s, calls, flops]
        self.phase = None

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        c0 = time.thread_time()
        result = func(*args, **(kwargs or {}))
        dt = time.thread_time() - c0
        d = self.per_op[(self.phase or "other", func.overloadpacket.__name__)]
        d[0] += dt
        d[1] += 1
        d[2] += op_flops(func, args, result)
        return result


class Phases:
    """Marks which phase the ops belong to and adds each phase's CPU time."""

    def __init__(self, mode=None):
        self.mode = mode
        self.cpu = defaultdict(list)
        self.wall = defaultdict(list)

    def run(self, name, fn):
        if self.mode is not None:
            self.mode.phase = name
        w0, c0 = time.perf_counter(), time.thread_time()
        out = fn()
        self.cpu[name].append((time.thread_time() - c0) * 1e3)
        self.wall[name].append((time.perf_counter() - w0) * 1e3)
        return out


def penalized_step(m, x_batch, t, v, phases):
    """One step of step_bench.train_step(jacobian=True), split into phases."""
    b = float(x_batch.shape[0])

    def forward():
        x = x_batch.detach().requires_grad_(True)
        logits = m.logits(x, training=True)
        ce = -(t * F.log_softmax(logits, dim=1)).sum() / b
        s = (v * F.softmax(logits, dim=1)).sum()
        return x, ce, s

    def first_backward():
        if MKLDNN_FIRST_BACKWARD_OFF:
            torch.backends.mkldnn.enabled = False
        try:
            (g,) = torch.autograd.grad(s, x, retain_graph=True, create_graph=True)
        finally:
            if MKLDNN_FIRST_BACKWARD_OFF:
                torch.backends.mkldnn.enabled = True
        penalty = g.pow(2).sum() * (sb.PENALTY_C / b)
        return ce + penalty * (sb.LAMBDA / 2.0)

    def optimizer():
        with torch.no_grad():
            for p, vel in zip(m.params, m.velocity):
                vel.mul_(sb.MOMENTUM).add_(p.grad, alpha=-sb.LEARN_RATE)
                p.add_(vel)
            for p in m.params:
                p.grad = None

    x, ce, s = phases.run("forward", forward)
    total = phases.run("grad (create_graph)", first_backward)
    phases.run("backward", total.backward)
    phases.run("optimizer", optimizer)
    return total.item()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--mkldnn", choices=["on", "off", "grad-off"], default="on",
                    help="oneDNN convolutions: on, off, or off only in the first backward (grad with create_graph)")
    ap.add_argument("--json", help="also write the numbers here")
    ap.add_argument("--batch", type=int, default=sb.BATCH, help="images per step (bench/drivers/cost-growth: 256)")
    args = ap.parse_args()
    if args.batch != sb.BATCH:  # the same number of pool images as at the reference batch, at least 4 batches
        sb.POOL_BATCHES = max(4, sb.POOL_BATCHES * sb.BATCH // args.batch)
        sb.BATCH = args.batch
    torch.set_num_interop_threads(1)
    torch.set_num_threads(args.threads)
    sb.blas_set_threads(args.threads)
    global MKLDNN_FIRST_BACKWARD_OFF
    torch.backends.mkldnn.enabled = args.mkldnn != "off"
    MKLDNN_FIRST_BACKWARD_OFF = args.mkldnn == "grad-off"
    torch.manual_seed(0)

    pool_x = torch.rand(sb.POOL_BATCHES * sb.BATCH, 1, sb.IMG, sb.IMG)
    pool_t = sb.one_hot(torch.randint(0, sb.CLASSES, (sb.POOL_BATCHES * sb.BATCH,)))
    xs = [pool_x[i * sb.BATCH:(i + 1) * sb.BATCH].contiguous() for i in range(sb.POOL_BATCHES)]
    ts = [pool_t[i * sb.BATCH:(i + 1) * sb.BATCH].contiguous() for i in range(sb.POOL_BATCHES)]
    m = sb.Model(pool_x.mean(0, keepdim=True), deterministic=False)

    def batch(i):
        return xs[i % sb.POOL_BATCHES], ts[i % sb.POOL_BATCHES], sb.random_unit_rows(sb.BATCH)

    # 1) CPU time per phase and per step, no instrumentation.
    plain = Phases()
    step_cpu = []
    for i in range(args.warmup + args.steps):
        x, t, v = batch(i)
        c0 = time.thread_time()
        penalized_step(m, x, t, v, plain)
        if i >= args.warmup:
            step_cpu.append((time.thread_time() - c0) * 1e3)
    phase_ms = {p: statistics.median(plain.cpu[p][args.warmup:]) for p in PHASES}
    phase_wall = {p: statistics.median(plain.wall[p][args.warmup:]) for p in PHASES}

    # 2) The same steps with every op's CPU time read.
    mode = CpuTimeMode()
    traced = Phases(mode)
    with mode:
        for i in range(args.steps):
            x, t, v = batch(i)
            penalized_step(m, x, t, v, traced)
            mode.phase = None

    n = args.steps
    per_op = mode.per_op
    out = {"threads": args.threads, "mkldnn": args.mkldnn, "steps": n, "torch": torch.__version__,
           "step_cpu_ms_median": statistics.median(step_cpu), "step_cpu_ms_min": min(step_cpu), "phases": {}}
    print(f"## Where a penalized step goes (Python torch {torch.__version__}, {args.threads} thread(s), "
          f"mkldnn {args.mkldnn}, batch {sb.BATCH})")
    print()
    print(f"- step CPU time, no instrumentation: median {statistics.median(step_cpu):.2f} ms, fastest "
          f"{min(step_cpu):.2f} ms ({n} steps after {args.warmup} warm-up)")
    print("- phase CPU ms and wall ms: median over steps, no instrumentation; ops' CPU ms: the sum over the phase's ATen ops "
          "with instrumentation (which adds a few µs per op); GFLOP per step from the shapes (convolutions and "
          "matrix products only) and the rate they reach in the ops that do them")
    print()
    print("| phase | CPU ms | share | wall ms | ops' CPU ms | ops per step | GFLOP | GFLOP/s of the FLOP ops |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    total_ms = sum(phase_ms.values())
    for p in PHASES:
        rows = [(v[0], op, v[1], v[2]) for (ph, op), v in per_op.items() if ph == p]
        ops_ms = sum(r[0] for r in rows) / n * 1e3
        calls = sum(r[2] for r in rows) / n
        gflop = sum(r[3] for r in rows) / n / 1e9
        flop_s = sum(r[0] for r in rows if r[3]) / n
        rate = f"{gflop / flop_s:.1f}" if gflop else ""
        out["phases"][p] = {"cpu_ms": phase_ms[p], "wall_ms": phase_wall[p], "ops_cpu_ms": ops_ms, "ops": calls,
                            "gflop": gflop, "top": []}
        print(f"| {p} | {phase_ms[p]:.2f} | {100 * phase_ms[p] / total_ms:.0f} % | {phase_wall[p]:.2f} | {ops_ms:.2f} | "
              f"{calls:.0f} | "
              f"{gflop:.3f} | {rate} |")
    print()
    print("(CPU ms counts this thread only: with --threads 2 compare the wall column, on a quiet machine.)")
    print()
    for p in PHASES:
        rows = sorted(((v[0], op, v[1], v[2]) for (ph, op), v in per_op.items() if ph == p), reverse=True)
        phase_s = sum(r[0] for r in rows)
        print(f"### {p}")
        print()
        print("| op | CPU ms per step | share of phase | calls per step | GFLOP per step | GFLOP/s |")
        print("|---|---:|---:|---:|---:|---:|")
        for sec, op, calls, flops in rows[:10]:
            fl = f"{flops / n / 1e9:.3f} | {flops / sec / 1e9:.1f}" if flops else " | "
            print(f"| `{op}` | {sec / n * 1e3:.3f} | {100 * sec / phase_s:.1f} % | {calls / n:.1f} | {fl} |")
            out["phases"][p]["top"].append({"op": op, "ms": sec / n * 1e3, "calls": calls / n, "gflop": flops / n / 1e9})
        print()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
