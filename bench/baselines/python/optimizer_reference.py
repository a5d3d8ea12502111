"""optimizer_reference.py IN OUT -- PyTorch's optimizer trajectories for jacreg's optimizer tests (OptimizerReferenceTest).

IN (safetensors) holds a small softmax-regression problem: "x" (N x D), "labels" (N, int64), and the starting
"weight" (C x D) and "bias" (C); its metadata "configs" is a JSON list of optimizer settings:
  {"name", "kind": "sgd" | "adam" | "adamw", "lr", "steps", and optionally "momentum", "nesterov", "weight_decay",
   "betas", "eps", "lr_factor" (the rate of step k is lr * lr_factor**(k-1), set on the param group before the step),
   "clip" (clip_grad_norm_ to this norm before the step; 0 = none)}.
For each config it trains a fresh copy of the parameters for "steps" steps on the mean cross-entropy of
x @ weight.T + bias and writes to OUT, after every step k (1-based): "NAME.k.weight", "NAME.k.bias" and
"NAME.k.norm" (the gradient norm before clipping, float64 scalar).
"""

import json
import sys

import torch

import safetensors_io


def optimizer_for(config, params):
    kind = config["kind"]
    lr = config["lr"]
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=config.get("momentum", 0), nesterov=config.get("nesterov", False),
                               weight_decay=config.get("weight_decay", 0))
    betas = tuple(config.get("betas", (0.9, 0.999)))
    eps = config.get("eps", 1e-8)
    if kind == "adam":
        return torch.optim.Adam(params, lr=lr, betas=betas, eps=eps, weight_decay=config.get("weight_decay", 0))
    if kind == "adamw":
        return torch.optim.AdamW(params, lr=lr, betas=betas, eps=eps, weight_decay=config.get("weight_decay", 0.01))
    raise ValueError(f"unknown optimizer kind {kind!r}")


def main(source, target):
    torch.set_num_threads(1)
    tensors, metadata = safetensors_io.load(source)
    x, labels = tensors["x"], tensors["labels"]
    out = {}
    for config in json.loads(metadata["configs"]):
        weight = tensors["weight"].clone().requires_grad_(True)
        bias = tensors["bias"].clone().requires_grad_(True)
        optimizer = optimizer_for(config, [weight, bias])
        for k in range(1, config["steps"] + 1):
            for group in optimizer.param_groups:
                group["lr"] = config["lr"] * config.get("lr_factor", 1.0) ** (k - 1)
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(x @ weight.T + bias, labels).backward()
            norm = torch.sqrt(sum((p.grad.double() ** 2).sum() for p in (weight, bias)))
            if config.get("clip", 0) > 0:
                torch.nn.utils.clip_grad_norm_([weight, bias], config["clip"])
            optimizer.step()
            name = config["name"]
            out[f"{name}.{k}.weight"] = weight.detach().clone()
            out[f"{name}.{k}.bias"] = bias.detach().clone()
            out[f"{name}.{k}.norm"] = norm.detach().clone()
    safetensors_io.save(target, out, {"torch": torch.__version__})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
