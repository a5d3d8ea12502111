#!/usr/bin/env python3
"""attack_check.py -- FGSM and PGD on a saved jacreg network, in plain PyTorch, to cross-check jacreg's attacks.

Reads a jacreg weights file (safetensors, parsed here without the safetensors package: an 8-byte little-endian
header length, a JSON header naming each tensor's dtype, shape and byte range, then the raw data) and an IDX test
set, rebuilds the seed network (mean subtraction, 3 x conv + batch norm in inference mode + ReLU, linear), and
prints one JSON object: the accuracy of each attack at each epsilon.

The attacks are jacreg's (dev.jacreg.attack), operation for operation: the loss is the summed cross-entropy of the
logits with the true label; the L-inf step is sign(g), the L2 step g / max(||g||, 1e-12) per image; PGD projects
onto the epsilon-ball around the clean image (clamping for L-inf, rescaling for L2), then clips pixels to [0, 1].
Random starts are not reproduced (they come from jacreg's own random stream), so compare without them.

    /usr/bin/python3 bench/baselines/python/attack_check.py --weights jacobian.safetensors --data DIR \
        --attacks fgsm,pgd --norm linf --epsilons 0,0.05,0.1 --pgd-steps 10 [--pgd-step-size A] [--count N]
"""

import argparse
import json
import os
import struct
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from experiment import read_idx  # noqa: E402  (the same IDX reader as the replicate study)

TINY = 1e-12
DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64}


def read_safetensors(path):
    """{name: tensor} from a safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length].decode("utf-8"))
    body = data[8 + length:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        raw = bytearray(body[start:end])
        dtype = DTYPES[entry["dtype"]]
        t = torch.frombuffer(raw, dtype=dtype) if raw else torch.zeros(0, dtype=dtype)
        tensors[name] = t.reshape(entry["shape"])
    return tensors


class Net:
    """The seed network in inference mode, from jacreg's tensor names."""

    def __init__(self, state):
        self.s = state

    def __call__(self, x):
        s = self.s
        h = x - s["normalize.mean"]
        for i, pad in ((1, 0), (2, 1), (3, 1)):
            h = F.conv2d(h, s[f"conv{i}.weight"], s[f"conv{i}.bias"], padding=pad)
            h = F.batch_norm(h, s[f"bn{i}.running_mean"], s[f"bn{i}.running_var"], s[f"bn{i}.weight"],
                             s[f"bn{i}.bias"], training=False, momentum=0.1, eps=1e-5)
            h = F.relu(h)
        return F.linear(h.flatten(1), s["fc.weight"], s["fc.bias"])


def norms(t):
    return t.square().sum(dim=tuple(range(1, t.dim())), keepdim=True).sqrt()


def loss_gradient(net, x, y):
    x = x.detach().requires_grad_(True)
    logits = net(x)
    one_hot = F.one_hot(y, logits.shape[1]).to(logits.dtype)
    loss = one_hot.mul(F.log_softmax(logits, 1)).sum().neg()
    (g,) = torch.autograd.grad(loss, x)
    return g


def direction(g, norm):
    if norm == "linf":
        return torch.sign(g)
    n = norms(g)
    return g / torch.where(n < TINY, torch.full_like(n, TINY), n)


def project(x, clean, eps, norm):
    if norm == "linf":
        return torch.max(torch.min(x, clean + eps), clean - eps)
    delta = x - clean
    n = norms(delta)
    outside = n > eps
    scale = eps / torch.where(outside, n, torch.ones_like(n))
    return torch.where(outside, clean + delta * scale, x)


def fgsm(net, x, y, eps, norm):
    return (x + direction(loss_gradient(net, x, y), norm) * eps).clamp(0, 1)


def pgd(net, x, y, eps, norm, steps, step_size):
    alpha = step_size if step_size else 2.5 * eps / steps
    adv = x
    for _ in range(steps):
        moved = adv + direction(loss_gradient(net, adv, y), norm) * alpha
        adv = project(moved, x, eps, norm).clamp(0, 1)
    return adv


def accuracy(net, attack, x, y, eps, args):
    right = 0
    for s in range(0, x.shape[0], args.chunk):
        xb, yb = x[s:s + args.chunk], y[s:s + args.chunk]
        if eps == 0:
            adv = xb
        elif attack == "fgsm":
            adv = fgsm(net, xb, yb, eps, args.norm)
        else:
            adv = pgd(net, xb, yb, eps, args.norm, args.pgd_steps, args.pgd_step_size)
        with torch.no_grad():
            right += (net(adv).argmax(1) == yb).sum().item()
    return right / x.shape[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", required=True)
    parser.add_argument("--data", required=True, help="folder with t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz] (jacreg and MNIST naming)")
    parser.add_argument("--split", default="t10k", help="file prefix: t10k (test set, MNIST naming) or train")
    parser.add_argument("--count", type=int, default=0, help="first N images only (0: all)")
    parser.add_argument("--attacks", default="fgsm,pgd")
    parser.add_argument("--norm", choices=("linf", "l2"), default="linf")
    parser.add_argument("--epsilons", default="0,0.02,0.04,0.06,0.08,0.1")
    parser.add_argument("--pgd-steps", type=int, default=10)
    parser.add_argument("--pgd-step-size", type=float, default=None)
    parser.add_argument("--chunk", type=int, default=100)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    state = read_safetensors(args.weights)
    dtype = state["normalize.mean"].dtype
    images = read_idx(os.path.join(args.data, f"{args.split}-images-idx3-ubyte"))
    labels = read_idx(os.path.join(args.data, f"{args.split}-labels-idx1-ubyte"))
    if args.count:
        images, labels = images[:args.count], labels[:args.count]
    x = images.to(torch.float32).div(255.0).unsqueeze(1).to(dtype)
    y = labels.to(torch.int64)
    net = Net(state)
    epsilons = [float(e) for e in args.epsilons.split(",")]
    result = {"norm": args.norm, "epsilons": epsilons, "count": int(x.shape[0])}
    for attack in args.attacks.split(","):
        if attack not in ("fgsm", "pgd"):
            parser.error(f"unknown attack {attack}")
        result[attack] = [accuracy(net, attack, x, y, e, args) for e in epsilons]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
