#!/usr/bin/env python3
"""step_bench.py -- baseline benchmark for jacreg without Java (PyTorch).

Same model, loss, optimiser, cases, flags and JSON output as
bench/baselines/cpp/step_bench.cpp, written with torch.nn.functional ops.

Run with the interpreter that has Debian's python3-torch:

    /usr/bin/python3 bench/baselines/python/step_bench.py --case step_jacobian --threads 1

Flags: --case step_plain|step_jacobian|inference_test_set|small_op|full_run
       --threads N --warmup K --iters M --seed S --chunk C
       --calls N (small_op) --epochs E (full_run) --grad-api backward|grad
       --blas-threads B --check

full_run: the whole experiment minus file output, in one timed block: train the
regularized net (lambda 1, n 1) then the reference net for E epochs each (default
15) on 5,000 random images (randperm per epoch, full batches of 32 gathered with
index_select, 156 per epoch), then the noise sweep p = 0, 0.05, ..., 0.5 over
5,000 test images, both nets in eval mode under no-grad in chunks of C.
Reports seconds (total), train_seconds and sweep_seconds.

--threads N sets torch's intra-op threads and, by default, also the thread
count of a pthreads OpenBLAS if one is loaded (Debian's torch calls BLAS for
F.linear / GEMMs and OpenBLAS keeps its own pool sized to the number of cores,
which torch.set_num_threads does not touch in 1.13). --blas-threads B
overrides that (0: leave OpenBLAS alone).
Prints exactly one JSON line on stdout; everything else goes to stderr.
"""

import argparse
import ctypes
import json
import math
import statistics
import sys
import time

import torch
import torch.nn.functional as F

BATCH = 32
CLASSES = 10
FILTERS = 20
IMG = 28
FLAT = FILTERS * 24 * 24  # 11520
POOL_BATCHES = 50
TEST_IMAGES = 5000
TRAIN_IMAGES = 5000  # full_run
NOISE_LEVELS = 11    # full_run: p = 0, 0.05, ..., 0.5
LEARN_RATE = 0.01
MOMENTUM = 0.9
BN_MOMENTUM = 0.1
BN_EPS = 1e-5
LAMBDA = 1.0      # Jacobian regularisation coefficient
PENALTY_C = 10.0  # number of classes in R = C * sum(G^2) / B

PARAM_SHAPES = [
    (FILTERS, 1, 5, 5), (FILTERS,), (FILTERS,), (FILTERS,),
    (FILTERS, FILTERS, 3, 3), (FILTERS,), (FILTERS,), (FILTERS,),
    (FILTERS, FILTERS, 3, 3), (FILTERS,), (FILTERS,), (FILTERS,),
    (CLASSES, FLAT), (CLASSES,),
]
WEIGHT_IDX = {0, 4, 8, 12}
BN_GAIN_IDX = {2, 6, 10}


def log(*args):
    print(*args, file=sys.stderr)


def _openblas():
    try:
        lib = ctypes.CDLL("libopenblas.so.0")  # the copy torch already loaded, if any
        lib.openblas_get_num_threads.restype = ctypes.c_int
        lib.openblas_set_num_threads.argtypes = [ctypes.c_int]
        return lib
    except (OSError, AttributeError):
        return None


def blas_get_threads():
    lib = _openblas()
    return int(lib.openblas_get_num_threads()) if lib is not None else -1


def blas_set_threads(n):
    lib = _openblas()
    if lib is None:
        log("note: openblas_set_num_threads not found; BLAS threads not set")
    else:
        lib.openblas_set_num_threads(int(n))


def glorot_bound(shape):
    receptive = 1
    for d in shape[2:]:
        receptive *= d
    fan_in = shape[1] * receptive
    fan_out = shape[0] * receptive
    return math.sqrt(6.0 / (fan_in + fan_out))


class Model:
    """Parameters and buffers as plain tensors; forward with functional ops."""

    def __init__(self, mean_image, deterministic):
        self.mean_image = mean_image.to(torch.float32).reshape(1, 1, IMG, IMG).contiguous()
        self.params = []
        self.velocity = []
        for k, shape in enumerate(PARAM_SHAPES):
            if k in WEIGHT_IDX:
                bound = glorot_bound(shape)
                if deterministic:
                    n = math.prod(shape)
                    p = (torch.sin(torch.arange(n, dtype=torch.float64) * 0.7 + float(k + 1))
                         * bound).to(torch.float32).reshape(shape)
                else:
                    p = torch.empty(shape, dtype=torch.float32).uniform_(-bound, bound)
            elif k in BN_GAIN_IDX:
                p = torch.ones(shape, dtype=torch.float32)
            else:
                p = torch.zeros(shape, dtype=torch.float32)
            p.requires_grad_(True)
            self.params.append(p)
            self.velocity.append(torch.zeros(shape, dtype=torch.float32))
        self.running_mean = [torch.zeros(FILTERS) for _ in range(3)]
        self.running_var = [torch.ones(FILTERS) for _ in range(3)]

    def logits(self, x, training):
        p = self.params
        h = x - self.mean_image
        for l in range(3):
            pad = 0 if l == 0 else 1
            h = F.conv2d(h, p[4 * l], p[4 * l + 1], stride=1, padding=pad)
            h = F.batch_norm(h, self.running_mean[l], self.running_var[l],
                             weight=p[4 * l + 2], bias=p[4 * l + 3], training=training,
                             momentum=BN_MOMENTUM, eps=BN_EPS)
            h = F.relu(h)
        h = h.reshape(h.shape[0], FLAT)  # NCHW flattening
        return F.linear(h, p[12], p[13])


def train_step(m, x_batch, t_onehot, jacobian, v, use_backward):
    """One full step: forward, loss (+ Jacobian penalty), backward, SGDM update."""
    x = x_batch
    if jacobian:
        x = x_batch.detach().requires_grad_(True)
    logits = m.logits(x, training=True)
    b = float(x.shape[0])
    ce = -(t_onehot * F.log_softmax(logits, dim=1)).sum() / b
    total = ce
    penalty = None
    if jacobian:
        z = F.softmax(logits, dim=1)
        s = (v * z).sum()
        (g,) = torch.autograd.grad(s, x, retain_graph=True, create_graph=True)
        penalty = g.pow(2).sum() * (PENALTY_C / b)
        total = ce + penalty * (LAMBDA / 2.0)

    if use_backward:
        total.backward()
        grads = [p.grad for p in m.params]
    else:
        grads = torch.autograd.grad(total, m.params)

    with torch.no_grad():
        for p, vel, g in zip(m.params, m.velocity, grads):
            # MATLAB sgdmupdate: vel <- m*vel - lr*grad; theta <- theta + vel
            vel.mul_(MOMENTUM).add_(g, alpha=-LEARN_RATE)
            p.add_(vel)
        if use_backward:
            for p in m.params:
                p.grad = None

    return (total.item(), ce.item(), penalty.item() if penalty is not None else 0.0)


def one_hot(labels):
    return F.one_hot(labels, CLASSES).to(torch.float32)


def random_unit_rows(rows):
    v = torch.randn(rows, CLASSES, dtype=torch.float32)
    return v / v.pow(2).sum(1, keepdim=True).sqrt()


def summarize(xs):
    xs = sorted(xs)
    n = len(xs)
    pos = 0.9 * (n - 1)
    lo = int(math.floor(pos))
    hi = min(lo + 1, n - 1)
    return {
        "ms_median": statistics.median(xs),
        "ms_mean": sum(xs) / n,
        "ms_min": xs[0],
        "ms_p90": xs[lo] + (xs[hi] - xs[lo]) * (pos - lo),
    }


def rounded(d):
    return {k: (float(f"{v:.6g}") if isinstance(v, float) else v) for k, v in d.items()}


def emit(args, extra):
    out = {"impl": "python", "case": args.case, "threads": torch.get_num_threads(),
           "blas_threads": blas_get_threads()}
    out.update(rounded(extra))
    out["libtorch"] = torch.__version__
    print(json.dumps(out, separators=(",", ":")), flush=True)


def run_check(args):
    n = BATCH * IMG * IMG
    x = ((torch.sin(torch.arange(n, dtype=torch.float64) * 0.013 + 0.3) * 0.5 + 0.5)
         .to(torch.float32).reshape(BATCH, 1, IMG, IMG))
    labels = torch.remainder(torch.arange(BATCH, dtype=torch.int64), CLASSES)
    t = one_hot(labels)
    bi = torch.arange(BATCH, dtype=torch.float64).reshape(BATCH, 1)
    ci = torch.arange(CLASSES, dtype=torch.float64).reshape(1, CLASSES)
    v = torch.sin(bi * 0.5 + ci * 1.3 + 0.1).to(torch.float32)
    v = v / v.pow(2).sum(1, keepdim=True).sqrt()
    mean_image = x.mean(0, keepdim=True)

    use_backward = args.grad_api == "backward"
    m = Model(mean_image, deterministic=True)
    r1 = train_step(m, x, t, True, v, use_backward)
    r2 = train_step(m, x, t, True, v, use_backward)
    mp = Model(mean_image, deterministic=True)
    p1 = train_step(mp, x, t, False, v, use_backward)
    p2 = train_step(mp, x, t, False, v, use_backward)
    out = {"impl": "python", "case": "check", "threads": torch.get_num_threads(),
           "blas_threads": blas_get_threads(),
           "total_loss_step1": float(f"{r1[0]:.9g}"), "ce_step1": float(f"{r1[1]:.9g}"),
           "penalty_step1": float(f"{r1[2]:.9g}"), "total_loss_step2": float(f"{r2[0]:.9g}"),
           "plain_loss_step1": float(f"{p1[0]:.9g}"), "plain_loss_step2": float(f"{p2[0]:.9g}"),
           "libtorch": torch.__version__}
    print(json.dumps(out, separators=(",", ":")), flush=True)


def run_steps(args, jacobian):
    pool_x = torch.rand(POOL_BATCHES * BATCH, 1, IMG, IMG, dtype=torch.float32)
    pool_t = one_hot(torch.randint(0, CLASSES, (POOL_BATCHES * BATCH,), dtype=torch.int64))
    xs = [pool_x[i * BATCH:(i + 1) * BATCH].contiguous() for i in range(POOL_BATCHES)]
    ts = [pool_t[i * BATCH:(i + 1) * BATCH].contiguous() for i in range(POOL_BATCHES)]
    m = Model(pool_x.mean(0, keepdim=True), deterministic=False)
    use_backward = args.grad_api == "backward"

    times, cpu_times = [], []
    last_loss = 0.0
    process0 = 0.0
    perf, thread_cpu = time.perf_counter, time.thread_time
    for it in range(args.warmup + args.iters):
        x = xs[it % POOL_BATCHES]
        t = ts[it % POOL_BATCHES]
        if it == args.warmup:
            process0 = time.process_time()
        t0 = perf()
        c0 = thread_cpu()
        v = random_unit_rows(BATCH) if jacobian else None
        last_loss = train_step(m, x, t, jacobian, v, use_backward)[0]
        cpu = (thread_cpu() - c0) * 1e3
        ms = (perf() - t0) * 1e3
        if it >= args.warmup:
            times.append(ms)
            cpu_times.append(cpu)
    process_ms = (time.process_time() - process0) * 1e3
    log(f"python {args.case}: final loss {last_loss}")
    if not math.isfinite(last_loss):
        log("warning: non-finite loss")
    extra = summarize(times)
    # CPU time (not wall): the stepping thread's per-step median, and the whole process's per step.
    extra.update({"cpu_ms_median": statistics.median(cpu_times), "cpu_ms_min": min(cpu_times),
                  "process_cpu_ms_per_iter": process_ms / args.iters})
    extra.update({"iters": args.iters, "warmup": args.warmup, "grad_api": args.grad_api})
    emit(args, extra)


def run_inference(args):
    test_x = torch.rand(TEST_IMAGES, 1, IMG, IMG, dtype=torch.float32)
    m = Model(test_x.mean(0, keepdim=True), deterministic=False)
    times = []
    checksum = 0
    perf = time.perf_counter
    with torch.no_grad():
        for it in range(args.warmup + args.iters):
            t0 = perf()
            preds = []
            for s in range(0, TEST_IMAGES, args.chunk):
                z = F.softmax(m.logits(test_x[s:s + args.chunk], training=False), dim=1)
                preds.append(z.argmax(1))
            checksum = int(torch.cat(preds).sum().item())
            ms = (perf() - t0) * 1e3
            if it >= args.warmup:
                times.append(ms)
    log(f"python inference: prediction checksum {checksum}")
    extra = summarize(times)
    extra.update({"iters": args.iters, "warmup": args.warmup, "chunk": args.chunk,
                  "images": TEST_IMAGES})
    emit(args, extra)


def train_epochs(m, images, labels, epochs, jacobian, seed, use_backward):
    """One network's training, as jacreg's Trainer does it; returns (iterations, last loss)."""
    torch.manual_seed(seed)  # Trainer seeds its shuffles and directions
    n = images.shape[0]
    per_epoch = n // BATCH  # the last partial batch is dropped
    iters = 0
    last_loss = 0.0
    for _ in range(epochs):
        order = torch.randperm(n, dtype=torch.int64)
        for i in range(per_epoch):
            index = order.narrow(0, i * BATCH, BATCH)
            x = images.index_select(0, index)
            t = one_hot(labels.index_select(0, index))
            v = random_unit_rows(BATCH) if jacobian else None
            last_loss = train_step(m, x, t, jacobian, v, use_backward)[0]
            iters += 1
    return iters, last_loss


def accuracy(m, images, labels, chunk):
    """Share of correctly classified images, eval mode, no-grad, in chunks (as Evaluator.accuracy)."""
    n = images.shape[0]
    with torch.no_grad():
        preds = [m.logits(images.narrow(0, s, min(chunk, n - s)), training=False).argmax(1)
                 for s in range(0, n, chunk)]
        return torch.cat(preds).eq(labels).to(torch.float64).mean().item()


def replace_pixels(images, p):
    """Pixel-replacement noise (as jacreg's Noise.replacePixels)."""
    if p == 0:
        return images.clone()
    replace = torch.rand(images.shape, dtype=images.dtype).lt(p)
    fresh = torch.rand(images.shape, dtype=images.dtype)
    return torch.where(replace, fresh, images)


def run_full(args):
    # Data, generated up front (not timed): uniform pixels, random labels.
    train_x = torch.rand(TRAIN_IMAGES, 1, IMG, IMG, dtype=torch.float32)
    train_y = torch.randint(0, CLASSES, (TRAIN_IMAGES,), dtype=torch.int64)
    test_x = torch.rand(TEST_IMAGES, 1, IMG, IMG, dtype=torch.float32)
    test_y = torch.randint(0, CLASSES, (TEST_IMAGES,), dtype=torch.int64)
    mean = train_x.mean(0, keepdim=True)
    # Both nets start from the same weights, as in jacreg's Experiment.
    torch.manual_seed(args.seed)
    jac = Model(mean, deterministic=False)
    torch.manual_seed(args.seed)
    ref = Model(mean, deterministic=False)
    use_backward = args.grad_api == "backward"

    perf = time.perf_counter
    t0 = perf()
    it_j, loss_j = train_epochs(jac, train_x, train_y, args.epochs, True, args.seed, use_backward)
    it_r, loss_r = train_epochs(ref, train_x, train_y, args.epochs, False, args.seed, use_backward)
    train_s = perf() - t0
    t1 = perf()
    acc_j, acc_r = [], []
    for i in range(NOISE_LEVELS):
        torch.manual_seed(args.seed + 1000 + i)  # a fresh noisy copy per level, shared by both nets
        noisy = replace_pixels(test_x, i * 0.05)
        acc_j.append(accuracy(jac, noisy, test_y, args.chunk))
        acc_r.append(accuracy(ref, noisy, test_y, args.chunk))
    sweep_s = perf() - t1
    total_s = perf() - t0

    log(f"python full_run: {it_j} + {it_r} iterations, final losses {loss_j} / {loss_r}; "
        f"accuracy at p=0 {acc_j[0]} / {acc_r[0]}, at p=0.5 {acc_j[-1]} / {acc_r[-1]}")
    if not (math.isfinite(loss_j) and math.isfinite(loss_r)):
        log("warning: non-finite loss")
    six = lambda xs: [float(f"{x:.6g}") for x in xs]
    emit(args, {"seconds": total_s, "train_seconds": train_s, "sweep_seconds": sweep_s,
                "epochs": args.epochs, "iters_per_epoch": TRAIN_IMAGES // BATCH,
                "train_iters": it_j + it_r, "noise_levels": NOISE_LEVELS, "chunk": args.chunk,
                "train_images": TRAIN_IMAGES, "test_images": TEST_IMAGES,
                "final_loss_jacobian": loss_j, "final_loss_reference": loss_r,
                "acc_jacobian": six(acc_j), "acc_reference": six(acc_r), "grad_api": args.grad_api})


def run_small_op(args):
    a = torch.rand(1, dtype=torch.float32)
    b = torch.rand(1, dtype=torch.float32)
    block = 1000
    blocks = max(1, args.calls // block)
    for _ in range(10000):  # warm-up
        c = a + b
    per_call_ms = []
    perf = time.perf_counter
    for _ in range(blocks):
        t0 = perf()
        for _ in range(block):
            c = a + b
        per_call_ms.append((perf() - t0) * 1e3 / block)
    log(f"python small_op: result {c.item()}")
    st = summarize(per_call_ms)
    extra = {"us_per_call": st["ms_median"] * 1e3}
    extra.update(st)
    extra.update({"iters": blocks * block, "block": block})
    emit(args, extra)


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", default="step_jacobian",
                    choices=["step_plain", "step_jacobian", "inference_test_set", "small_op",
                             "full_run"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=None)
    ap.add_argument("--iters", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--chunk", type=int, default=500)
    ap.add_argument("--calls", type=int, default=200000)
    ap.add_argument("--epochs", type=int, default=15, help="full_run: epochs per network")
    ap.add_argument("--grad-api", dest="grad_api", default="backward",
                    choices=["backward", "grad"])
    ap.add_argument("--blas-threads", dest="blas_threads", type=int, default=-1,
                    help="OpenBLAS threads (-1: same as --threads, 0: leave alone)")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    inference = args.case == "inference_test_set"
    if args.warmup is None:
        args.warmup = 1 if inference else 20
    if args.iters is None:
        args.iters = 3 if inference else 100
    if args.threads < 1 or args.chunk < 1 or args.iters < 1 or args.warmup < 0 or args.epochs < 1:
        ap.error("--threads, --chunk, --iters, --epochs must be >= 1 and --warmup >= 0")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError as e:
        log(f"note: could not set interop threads: {e}")
    torch.set_num_threads(1 if args.check else args.threads)
    if args.check:
        blas_set_threads(1)
    elif args.blas_threads != 0:
        blas_set_threads(args.threads if args.blas_threads < 0 else args.blas_threads)
    torch.manual_seed(args.seed)
    if args.check:
        run_check(args)
    elif args.case == "step_plain":
        run_steps(args, jacobian=False)
    elif args.case == "step_jacobian":
        run_steps(args, jacobian=True)
    elif args.case == "inference_test_set":
        run_inference(args)
    elif args.case == "full_run":
        run_full(args)
    else:
        run_small_op(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
