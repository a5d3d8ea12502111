#!/usr/bin/env python3
"""apgd_check.py -- APGD-CE (Croce & Hein 2020, Algorithm 1) on a saved jacreg network, in plain PyTorch, to
cross-check jacreg's dev.jacreg.attack.Apgd.

A second implementation of the paper's algorithm, in PyTorch tensors rather than jacreg's: a random start on the eps-sphere (uniform in the L-inf
cube, a normalised Gaussian times eps for L2), step size eta = 2 eps, the first step a plain steepest-ascent step,
then momentum alpha = 0.75: z = P(x + eta * dir(grad)), x' = P(x + alpha (z - x) + (1 - alpha)(x - x_prev)), P the
projection onto the eps-ball followed by clipping to [0, 1]. Checkpoints w_j = ceil(p_j N) with p_0 = 0,
p_1 = 0.22, p_{j+1} = p_j + max(p_j - p_{j-1} - 0.03, 0.06); at each, an image whose loss rose in fewer than
rho = 0.75 of the steps since the last checkpoint, or whose step was not halved there and whose best loss did not
improve, halves eta and restarts from its best point. An image counts as broken if any iterate is misclassified.

Random starts come from torch's generator (--seed), not jacreg's stream, so compare accuracies with a tolerance.
Prints one JSON object: {"norm": ..., "epsilons": [...], "apgd-ce": [accuracy per epsilon]}.

    /usr/bin/python3 bench/baselines/python/apgd_check.py --weights net.safetensors --data DIR \
        --norm linf --epsilons 0,0.05,0.1 --iterations 20
"""

import argparse
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from attack_check import Net, read_safetensors, norms, direction, project  # noqa: E402  (the same network and steps)
from experiment import read_idx  # noqa: E402


def checkpoints(n):
    """Steps after which the step size may halve."""
    out, prev, cur = [], 0, 22  # hundredths
    while cur <= 100:
        w = math.ceil(cur * n / 100 - 1e-9)
        if w >= 1 and (not out or w > out[-1]):
            out.append(w)
        prev, cur = cur, cur + max(cur - prev - 3, 6)
    return out


def per_image_ce(net, x, y):
    x = x.detach().requires_grad_(True)
    logits = net(x)
    loss = F.cross_entropy(logits, y, reduction="none")
    (g,) = torch.autograd.grad(loss.sum(), x)
    return loss.detach(), g, logits.argmax(1) != y


def apgd_ce(net, clean, y, eps, norm, n_iter):
    shape = (-1,) + (1,) * (clean.dim() - 1)
    if norm == "linf":
        start = (torch.rand_like(clean) * 2 - 1) * eps
    else:
        g = torch.randn_like(clean)
        start = g / norms(g) * eps
    P = lambda v: project(v, clean, eps, norm).clamp(0, 1)  # noqa: E731
    x = (clean + start).clamp(0, 1)
    loss, grad, wrong = per_image_ce(net, x, y)
    fooled = wrong.clone()
    best_loss, x_best, grad_best = loss.clone(), x.clone(), grad.clone()
    last_loss = loss.clone()
    eta = torch.full((clean.shape[0],), 2.0 * eps, dtype=clean.dtype)
    rises = torch.zeros(clean.shape[0])
    halved_last = torch.zeros(clean.shape[0], dtype=torch.bool)
    best_at_last = best_loss.clone()
    marks, last_mark = checkpoints(n_iter), 0
    x_prev = x
    for step in range(1, n_iter + 1):
        a = 1.0 if step == 1 else 0.75
        z = P(x + eta.view(shape) * direction(grad, norm))
        x_new = P(x + a * (z - x) + (1 - a) * (x - x_prev))
        x_prev, x = x, x_new
        loss, grad, wrong = per_image_ce(net, x, y)
        fooled |= wrong
        rises += (loss > last_loss).float()
        last_loss = loss.clone()
        better = loss > best_loss
        best_loss = torch.where(better, loss, best_loss)
        x_best = torch.where(better.view(shape), x, x_best)
        grad_best = torch.where(better.view(shape), grad, grad_best)
        if step in marks:
            interval = step - last_mark
            halve = (rises < 0.75 * interval) | (~halved_last & (best_loss <= best_at_last))
            eta = torch.where(halve, eta / 2, eta)
            last_loss = torch.where(halve, best_loss, last_loss)
            x = torch.where(halve.view(shape), x_best, x)
            grad = torch.where(halve.view(shape), grad_best, grad)
            halved_last, best_at_last, rises, last_mark = halve, best_loss.clone(), torch.zeros_like(rises), step
    return fooled


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", required=True)
    parser.add_argument("--data", required=True, help="folder with the IDX test set (t10k-... files)")
    parser.add_argument("--norm", choices=("linf", "l2"), default="linf")
    parser.add_argument("--epsilons", default="0,0.05,0.1")
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--chunk", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    state = read_safetensors(args.weights)
    dtype = state["normalize.mean"].dtype
    images = read_idx(os.path.join(args.data, "t10k-images-idx3-ubyte"))
    labels = read_idx(os.path.join(args.data, "t10k-labels-idx1-ubyte"))
    x = images.to(torch.float32).div(255.0).unsqueeze(1).to(dtype)
    y = labels.to(torch.int64)
    net = Net(state)
    epsilons = [float(e) for e in args.epsilons.split(",")]
    result = {"norm": args.norm, "epsilons": epsilons, "count": int(x.shape[0]), "apgd-ce": []}
    for eps in epsilons:
        right = 0
        for s in range(0, x.shape[0], args.chunk):
            xb, yb = x[s:s + args.chunk], y[s:s + args.chunk]
            with torch.no_grad():
                clean_wrong = net(xb).argmax(1) != yb
            broken = clean_wrong if eps == 0 else clean_wrong | apgd_ce(net, xb, yb, eps, args.norm, args.iterations)
            right += int((~broken).sum().item())
        result["apgd-ce"].append(right / x.shape[0])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
