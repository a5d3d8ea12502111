#!/usr/bin/env python3
"""experiment.py -- the jacreg experiment in plain PyTorch, for replicate studies and cross-checks.

An independent implementation of docs/experiment.md (SEED network, CE + (lambda/2)*R with a one-projection
create_graph estimate of the squared Frobenius norm of the Jacobian, MATLAB-style SGD with momentum,
15 epochs of batch 32, noise sweep p = 0..0.5, exact Jacobian norm on the clean test set), with jacreg's
stabilised defaults (gradient clipped to norm 5, learning rate x0.1 after epochs 10 and 13) unless
--seed-algorithm is given. Its random streams are its own (torch generators seeded from --seeds), so
single runs differ from jacreg's; distributions over seeds are what can be compared. It reads
the same IDX files jacreg reads (a synthetic set from jacreg's cache, or Fashion-MNIST), so both
implementations can be run on identical data with several seeds and their accuracy distributions
compared (bench/drivers/replicate-study).

Run with the interpreter that has Debian's python3-torch:

    /usr/bin/python3 bench/baselines/python/experiment.py --data ~/.cache/jacreg/synthetic-5000-5000-seed0 \
        --seeds 0,1,2,3,4 --models jacobian,reference > out.jsonl

One JSON line per (seed, model) on stdout: accuracies per noise level, the exact mean ||dZ/dx||_F^2
on the clean test set, training time, and loss-burst counts. Progress goes to stderr.

--save FILE writes each trained net as a jacreg weights file (safetensors, the same tensor names, dtypes
and metadata as jacreg's own), so `jacreg evaluate --model FILE` evaluates the PyTorch net; its metadata
names the data as idx:DIR, whose test images evaluate uses in full (give --test the number in DIR).
"""

import argparse
import gzip
import json
import math
import os
import struct
import sys
import time

import torch
import torch.nn.functional as F

import safetensors_io

CLASSES = 10
FILTERS = 20
NOISE_LEVELS = [round(0.05 * i, 2) for i in range(11)]


# ---- data ---------------------------------------------------------------------------------------

def read_idx(path):
    """An IDX file (plain or .gz) as a flat list of values plus its dimensions."""
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        path = path + ".gz"
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    body = data[4 + 4 * ndim:]
    return torch.frombuffer(bytearray(body), dtype=torch.uint8).reshape(dims)


def load_split(directory, prefix, count):
    images = read_idx(os.path.join(directory, f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(os.path.join(directory, f"{prefix}-labels-idx1-ubyte"))
    if count:
        images, labels = images[:count], labels[:count]
    x = images.to(torch.float32).div(255.0).unsqueeze(1)  # N x 1 x 28 x 28 in [0, 1]
    return x, labels.to(torch.int64)


# ---- network ------------------------------------------------------------------------------------

def glorot(shape, fan_in, fan_out, gen):
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    return (torch.rand(shape, generator=gen) * 2 - 1) * bound


class SeedNet:
    """The SEED network with explicit parameters, so the forward can run BN in either mode."""

    def __init__(self, mean_image, gen):
        self.mean = mean_image
        self.params = {
            "conv1.weight": glorot((FILTERS, 1, 5, 5), 25, FILTERS * 25, gen),
            "conv1.bias": torch.zeros(FILTERS),
            "bn1.weight": torch.ones(FILTERS), "bn1.bias": torch.zeros(FILTERS),
            "conv2.weight": glorot((FILTERS, FILTERS, 3, 3), FILTERS * 9, FILTERS * 9, gen),
            "conv2.bias": torch.zeros(FILTERS),
            "bn2.weight": torch.ones(FILTERS), "bn2.bias": torch.zeros(FILTERS),
            "conv3.weight": glorot((FILTERS, FILTERS, 3, 3), FILTERS * 9, FILTERS * 9, gen),
            "conv3.bias": torch.zeros(FILTERS),
            "bn3.weight": torch.ones(FILTERS), "bn3.bias": torch.zeros(FILTERS),
            "fc.weight": glorot((CLASSES, FILTERS * 24 * 24), FILTERS * 24 * 24, CLASSES, gen),
            "fc.bias": torch.zeros(CLASSES),
        }
        for p in self.params.values():
            p.requires_grad_(True)
        self.running = {f"bn{i}": [torch.zeros(FILTERS), torch.ones(FILTERS)] for i in (1, 2, 3)}

    def copy(self):
        other = SeedNet.__new__(SeedNet)
        other.mean = self.mean
        other.params = {k: v.detach().clone().requires_grad_(True) for k, v in self.params.items()}
        other.running = {k: [m.clone(), v.clone()] for k, (m, v) in self.running.items()}
        return other

    def forward(self, x, training, batch_vars=None):
        p = self.params
        h = x - self.mean
        for i, pad in ((1, 0), (2, 1), (3, 1)):
            h = F.conv2d(h, p[f"conv{i}.weight"], p[f"conv{i}.bias"], padding=pad)
            rm, rv = self.running[f"bn{i}"]
            if batch_vars is not None:
                batch_vars.append(h.detach().var(dim=(0, 2, 3), unbiased=False))
            h = F.batch_norm(h, rm, rv, p[f"bn{i}.weight"], p[f"bn{i}.bias"], training=training,
                             momentum=0.1, eps=1e-5)
            h = F.relu(h)
        return F.linear(h.flatten(1), p["fc.weight"], p["fc.bias"])


# ---- training -----------------------------------------------------------------------------------

def penalty(x, output, gen):
    v = torch.randn(output.shape, generator=gen)
    v = v / v.norm(dim=1, keepdim=True)
    (g,) = torch.autograd.grad((v * output).sum(), x, create_graph=True)
    return output.shape[1] * g.pow(2).sum() / output.shape[0]


def learning_rate(args, epoch, iteration, total):
    if args.lr_schedule == "cosine":
        return args.lr * 0.5 * (1 + math.cos(math.pi * iteration / total))
    if args.lr_schedule.startswith("step:"):
        _, epochs, factor = args.lr_schedule.split(":")
        drops = sum(1 for e in epochs.split(",") if epoch >= int(e))
        return args.lr * float(factor) ** drops
    return args.lr


def train(net, x, y, args, lam, seed, trace=None):
    gen = torch.Generator().manual_seed(seed)
    params = list(net.params.values())
    vel = [torch.zeros_like(p) for p in params]
    per_epoch = x.shape[0] // args.batch
    total = per_epoch * args.epochs
    losses, it = [], 0
    for epoch in range(args.epochs):
        order = torch.randperm(x.shape[0], generator=gen)
        for i in range(per_epoch):
            idx = order[i * args.batch:(i + 1) * args.batch]
            xb, yb = x[idx], y[idx]
            weight = lam
            if args.penalty_warmup > 0:
                weight = lam * min(1.0, it / (args.penalty_warmup * per_epoch))
            if weight > 0:
                xb = xb.clone().requires_grad_(True)
            batch_vars = []
            logits = net.forward(xb, training=True, batch_vars=batch_vars if trace else None)
            ce = F.cross_entropy(logits, yb)
            loss = ce
            pen = None
            if weight > 0:
                # eval: the penalty differentiates a second, inference-mode pass (running statistics)
                out = net.forward(xb, training=False) if args.penalty_bn == "eval" else logits
                out = F.softmax(out, 1) if args.target == "softmax" else out
                pen = penalty(xb, out, gen)
                loss = loss + weight / 2 * pen
            if trace is not None:
                g_ce = torch.autograd.grad(ce, params, retain_graph=True)
                g_pen = torch.autograd.grad(weight / 2 * pen, params) if pen is not None else [torch.zeros_like(p) for p in params]
                grads = [a + b for a, b in zip(g_ce, g_pen)]
                with torch.no_grad():
                    z = F.softmax(logits, 1)
                    trace.write(json.dumps({
                        "it": it, "epoch": epoch + 1, "loss": loss.item(), "ce": ce.item(),
                        "penalty": pen.item() if pen is not None else 0.0,
                        "grad_ce": math.sqrt(sum(g.pow(2).sum().item() for g in g_ce)),
                        "grad_pen": math.sqrt(sum(g.pow(2).sum().item() for g in g_pen)),
                        "param_norm": math.sqrt(sum(p.pow(2).sum().item() for p in params)),
                        "bn_min_var": [v.min().item() for v in batch_vars],
                        "max_softmax": z.max(1).values.mean().item(),
                        "logit_norm": logits.norm(dim=1).mean().item(),
                        "fc_norm": net.params["fc.weight"].norm().item(),
                        "bn_gamma": [net.params[f"bn{i}.weight"].abs().max().item() for i in (1, 2, 3)],
                    }) + "\n")
            else:
                grads = torch.autograd.grad(loss, params)
            if args.clip > 0:
                norm = torch.sqrt(sum(g.pow(2).sum() for g in grads))
                if norm > args.clip:
                    grads = [g * (args.clip / norm) for g in grads]
            lr = learning_rate(args, epoch, it, total)
            with torch.no_grad():
                for p, g, v in zip(params, grads, vel):
                    v.mul_(args.momentum).sub_(lr * g)
                    p.add_(v)
            losses.append(loss.item())
            it += 1
        print(f"  epoch {epoch + 1}: mean loss {sum(losses[-per_epoch:]) / per_epoch:.4f}", file=sys.stderr)
    return losses


# ---- jacreg weights files ----------------------------------------------------------------------

def jacreg_state(net):
    """The net's tensors under jacreg's names (SeedNetwork): the mean image, the parameters, the BN statistics."""
    state = {"normalize.mean": net.mean}
    state.update({name: p.detach() for name, p in net.params.items()})
    for i in (1, 2, 3):
        state[f"bn{i}.running_mean"], state[f"bn{i}.running_var"] = net.running[f"bn{i}"]
    # jacreg rebuilds the net in the dtype of normalize.mean and checks every tensor against it
    return {name: t.to(torch.float32) for name, t in state.items()}


def save_jacreg(path, net, args, seed, model, lam, clean_accuracy):
    """Writes what `jacreg evaluate` needs: the tensors, plus the data and seed it defaults to."""
    metadata = {
        "format": "jacreg", "producer": "bench/baselines/python/experiment.py", "torch_version": torch.__version__,
        "net": model, "lambda": repr(lam), "target": args.target, "projections": "1", "penalty_bn": args.penalty_bn,
        "seed": str(seed), "data": "idx:" + os.path.abspath(args.data), "train_count": str(args.train),
        "test_count": str(args.test), "epochs": str(args.epochs), "batch_size": str(args.batch),
        "learning_rate": repr(args.lr), "momentum": repr(args.momentum), "dtype": "float32",
        "clean_test_accuracy": repr(clean_accuracy),
    }
    safetensors_io.save(path, jacreg_state(net), metadata)
    print(f"wrote {path}", file=sys.stderr)


# ---- evaluation ---------------------------------------------------------------------------------

def accuracy(net, x, y, chunk=500):
    right = 0
    with torch.no_grad():
        for s in range(0, x.shape[0], chunk):
            right += (net.forward(x[s:s + chunk], training=False).argmax(1) == y[s:s + chunk]).sum().item()
    return right / x.shape[0]


def noisy(x, p, seed):
    gen = torch.Generator().manual_seed(seed)
    mask = torch.rand(x.shape, generator=gen) < p
    values = torch.rand(x.shape, generator=gen)
    return torch.where(mask, values, x)


def exact_norm(net, x, chunk=500):
    """Mean over images of ||d softmax / dx||_F^2, inference mode, C backward passes."""
    total = 0.0
    for s in range(0, x.shape[0], chunk):
        xb = x[s:s + chunk].clone().requires_grad_(True)
        z = F.softmax(net.forward(xb, training=False), 1)
        for k in range(CLASSES):
            (g,) = torch.autograd.grad(z[:, k].sum(), xb, retain_graph=True)
            total += g.pow(2).sum().item()
    return total / x.shape[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="folder with the four MNIST-named IDX files")
    ap.add_argument("--train", type=int, default=5000)
    ap.add_argument("--test", type=int, default=5000)
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--models", default="jacobian,reference")
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--lambda", dest="lam", type=float, default=1.0)
    ap.add_argument("--target", choices=["softmax", "logits"], default="softmax")
    ap.add_argument("--penalty-bn", choices=["train", "eval"], default="train")
    ap.add_argument("--penalty-warmup", type=float, default=0)
    ap.add_argument("--clip", type=float, default=None, help="gradient-norm clipping (default 5, as jacreg)")
    ap.add_argument("--lr-schedule", default=None,
                    help="constant | step:E1,E2:F | cosine (default: x0.1 after 2/3 and 13/15 of the epochs, as jacreg)")
    ap.add_argument("--seed-algorithm", action="store_true",
                    help="the specification's exact loop: no clipping, constant rate (unless given explicitly)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--tag", default="")
    ap.add_argument("--trace", help="write per-iteration diagnostics (JSON lines) of the first seed's nets here")
    ap.add_argument("--save", metavar="FILE",
                    help="write each trained net as a jacreg weights file (safetensors); with several seeds or "
                         "models, FILE must contain {seed} and/or {model} to tell them apart")
    args = ap.parse_args()
    # jacreg's stabilised defaults (TrainingConfig.stabilised) unless the seed's exact loop is asked for.
    if args.clip is None:
        args.clip = 0.0 if args.seed_algorithm else 5.0
    if args.lr_schedule is None:
        first = max(1, round(args.epochs * 2 / 3))
        second = max(first, round(args.epochs * 13 / 15))
        args.lr_schedule = "constant" if args.seed_algorithm else f"step:{first},{second}:0.1"
    runs = len(args.seeds.split(",")) * len(args.models.split(","))
    if args.save and runs > 1 and args.save.format(seed=0, model="a") == args.save.format(seed=1, model="b"):
        ap.error("--save: several seeds/models would write the same file; put {seed} and {model} in FILE")
    torch.set_num_threads(args.threads)

    xtr, ytr = load_split(args.data, "train", args.train)
    xte, yte = load_split(args.data, "t10k", args.test)
    mean = xtr.mean(0, keepdim=True)
    for seed in [int(s) for s in args.seeds.split(",")]:
        init = SeedNet(mean, torch.Generator().manual_seed(seed))
        for model in args.models.split(","):
            net = init.copy()
            lam = args.lam if model == "jacobian" else 0.0
            t0 = time.time()
            trace = open(f"{args.trace}.{model}.jsonl", "w") if args.trace else None
            losses = train(net, xtr, ytr, args, lam, seed * 7919 + (1 if lam > 0 else 2), trace)
            if trace:
                trace.close()
            seconds = time.time() - t0
            per_epoch = args.train // args.batch
            acc = [accuracy(net, noisy(xte, p, seed * 1000 + i) if p > 0 else xte, yte)
                   for i, p in enumerate(NOISE_LEVELS)]
            row = {
                "tag": args.tag, "seed": seed, "model": model, "lambda": lam, "target": args.target,
                "penalty_bn": args.penalty_bn, "clip": args.clip, "lr_schedule": args.lr_schedule,
                "accuracy": dict(zip([str(p) for p in NOISE_LEVELS], acc)),
                "exact_norm": exact_norm(net, xte),
                "bursts": sum(1 for l in losses[5 * per_epoch:] if l > 0.5),
                "final_loss": sum(losses[-per_epoch:]) / per_epoch,
                "train_seconds": seconds,
            }
            if args.save:
                save_jacreg(args.save.format(seed=seed, model=model), net, args, seed, model, lam, acc[0])
            print(json.dumps(row), flush=True)
            print(f"seed {seed} {model}: acc0 {acc[0]:.4f} acc.3 {acc[6]:.4f} acc.5 {acc[10]:.4f} "
                  f"norm {row['exact_norm']:.4f} bursts {row['bursts']} {seconds:.0f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
