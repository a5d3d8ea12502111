#!/usr/bin/env python3
"""make_reference.py -- writes penalty-reference.safetensors, the float64 PyTorch reference
that PenaltyReferenceTest and SafeTensorsReferenceTest check jacreg against.

Run with the interpreter that has Debian's python3-torch (no other package needed; the
safetensors file is written by hand):

    /usr/bin/python3 bench/baselines/python/make_reference.py \
        --out core/src/test/resources/dev/jacreg/train/penalty-reference.safetensors

    /usr/bin/python3 bench/baselines/python/make_reference.py --out /tmp/ref.safetensors \
        --compare core/src/test/resources/dev/jacreg/train/penalty-reference.safetensors

--compare FILE reads an existing reference and reports, tensor by tensor, how far the new values
are from it (exit status 1 on a mismatch): inputs and parameters must be bit-identical, expected
values within --tolerance (default 1e-12) times max(1, the tensor's largest magnitude). The
expected values are not bit-reproducible across machines: OpenBLAS picks its kernel by CPU and
splits GEMMs by thread count, which changes summation order (differences ~1e-14 relative; e.g.
OPENBLAS_NUM_THREADS=1 and =2 give different last bits on the same machine). The shipped file was
made by this same computation on the development machine with libtorch 1.13.

What it computes (docs/experiment.md, sections 3 and 4), all in float64, NCHW:
  * inputs and parameters drawn from torch.manual_seed(1234), in this order:
      for each of conv1..conv3: weight Glorot-uniform, U(-a, a) with a = sqrt(6 / (fan_in + fan_out));
                               bias 0.1*N(0,1); bn scale 1 + 0.1*N(0,1); bn offset 0.1*N(0,1)
      fc weight Glorot-uniform (11520 -> 10), fc bias 0.1*N(0,1)
      mean image 0.3*U(0,1) (1x1x28x28), batch X ~ U(0,1) (4x1x28x28),
      projection V ~ N(0,1) (4x10), each row scaled to unit length.
    Biases and batch-norm parameters are random, not the spec's zeros and ones, so that every
    gradient is exercised. Targets are the fixed classes 0, 3, 7, 9 (one-hot).
  * with batch norm in training mode (batch statistics, eps 1e-5), softmax output Z, lambda 1, n 1:
      logits, Z, CE = -sum(T log Z)/B, G = d(sum V.Z)/dX with create_graph,
      R = C*sum(G^2)/B, total = CE + R/2, and d total / d parameter for all 14 learnables;
  * with batch norm in inference mode (running mean 0, variance 1): the exact squared Frobenius
    norm of dZ/dx for each sample alone, from C = 10 backward passes.

Prints one line per tensor on stderr; nothing on stdout.
"""

import argparse
import json
import math
import struct
import sys

import torch
import torch.nn.functional as F

D = torch.float64
SEED = 1234
B, C, H, W = 4, 10, 28, 28
TARGETS = [0, 3, 7, 9]
LAMBDA = 1.0
LAYERS = [("conv1", 1, 5, 0), ("conv2", 20, 3, 1), ("conv3", 20, 3, 1)]  # name, in channels, kernel, padding
FILTERS = 20
BN_EPS = 1e-5
DESCRIPTION = "jacreg penalty reference vector, float64, NCHW, BN in training mode for the loss"


def glorot(*shape):
    receptive = shape[2] * shape[3] if len(shape) == 4 else 1
    fan_in, fan_out = shape[1] * receptive, shape[0] * receptive
    a = math.sqrt(6 / (fan_in + fan_out))
    return torch.empty(*shape, dtype=D).uniform_(-a, a)


def draw_inputs():
    """Parameters and inputs, in the order the RNG stream is consumed."""
    torch.manual_seed(SEED)
    p = {}
    for name, cin, k, _ in LAYERS:
        p[f"{name}.weight"] = glorot(FILTERS, cin, k, k)
        p[f"{name}.bias"] = 0.1 * torch.randn(FILTERS, dtype=D)
        bn = "bn" + name[-1]
        p[f"{bn}.weight"] = 1 + 0.1 * torch.randn(FILTERS, dtype=D)
        p[f"{bn}.bias"] = 0.1 * torch.randn(FILTERS, dtype=D)
    p["fc.weight"] = glorot(C, FILTERS * 24 * 24)
    p["fc.bias"] = 0.1 * torch.randn(C, dtype=D)
    mean = 0.3 * torch.rand(1, 1, H, W, dtype=D)
    x = torch.rand(B, 1, H, W, dtype=D)
    v = torch.randn(B, C, dtype=D)
    v = v / v.norm(dim=1, keepdim=True)
    t = F.one_hot(torch.tensor(TARGETS), C).to(D)
    return p, mean, x, t, v


def forward(p, mean, x, training):
    """The seed network: mean subtraction, 3 x (conv, batch norm, ReLU), fully connected -> logits."""
    h = x - mean
    for name, _, _, pad in LAYERS:
        bn = "bn" + name[-1]
        h = F.conv2d(h, p[f"{name}.weight"], p[f"{name}.bias"], padding=pad)
        # training: batch statistics; inference: running mean 0, variance 1 (as built)
        rm = torch.zeros(FILTERS, dtype=D)
        rv = torch.ones(FILTERS, dtype=D)
        h = F.batch_norm(h, rm, rv, p[f"{bn}.weight"], p[f"{bn}.bias"], training=training, momentum=0.1, eps=BN_EPS)
        h = F.relu(h)
    return F.linear(h.flatten(1), p["fc.weight"], p["fc.bias"])


def compute():
    p, mean, x, t, v = draw_inputs()
    inputs = {"input.x": x, "input.mean": mean, "input.targets_onehot": t, "input.projection_v": v}
    out = {k: val.clone() for k, val in inputs.items()}
    for k, val in p.items():
        out["param." + k] = val.clone()

    params = {k: val.clone().requires_grad_(True) for k, val in p.items()}
    xg = x.clone().requires_grad_(True)
    logits = forward(params, mean, xg, training=True)
    z = F.softmax(logits, dim=1)
    ce = -(t * torch.log(z)).sum() / B
    (g,) = torch.autograd.grad((v * z).sum(), xg, create_graph=True)
    r = C * g.square().sum() / B
    total = ce + (LAMBDA / 2) * r
    total.backward()

    out["expected.logits"] = logits.detach()
    out["expected.softmax"] = z.detach()
    out["expected.cross_entropy"] = ce.detach()
    out["expected.input_grad_g"] = g.detach()
    out["expected.penalty_r"] = r.detach()
    out["expected.total_loss"] = total.detach()
    for k, val in params.items():
        out["expected.grad." + k] = val.grad.detach()

    frob = []
    for i in range(B):
        xi = x[i:i + 1].clone().requires_grad_(True)
        zi = F.softmax(forward(p, mean, xi, training=False), dim=1)
        s = torch.zeros((), dtype=D)
        for c in range(C):
            (gc,) = torch.autograd.grad(zi[0, c], xi, retain_graph=True)
            s = s + gc.square().sum()
        frob.append(s)
    out["expected.frobenius_sq_eval_per_sample"] = torch.stack(frob)
    return out


def metadata():
    return {"description": DESCRIPTION, "lambda": f"{LAMBDA:g}", "projections": "1", "torch": torch.__version__}


def write_safetensors(path, tensors, meta):
    """Safetensors layout as Python's safetensors library writes it: 8-byte little-endian header
    length, JSON header (tensors sorted by name, then __metadata__), padded with spaces to a
    multiple of 8, then the little-endian F64 data in the same order."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(D).contiguous()
        data = t.numpy().astype("<f8").tobytes()
        header[name] = {"dtype": "F64", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = meta
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in blobs:
            f.write(data)


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    out = {}
    for name, e in header.items():
        start, end = e["data_offsets"]
        vals = struct.unpack(f"<{(end - start) // 8}d", raw[8 + n + start:8 + n + end])
        out[name] = torch.tensor(vals, dtype=D).reshape(e["shape"])
    return out, meta, raw


def compare(new_path, old_path, tolerance):
    """True when both files hold the same tensors with the same shapes and metadata, the inputs and
    parameters bit for bit and every expected value within tolerance times max(1, the tensor's largest
    magnitude): relative for large values, absolute for small ones such as the exactly-zero gradients
    of convolution biases that feed batch norm, where both sides hold only rounding noise."""
    new, new_meta, new_raw = read_safetensors(new_path)
    old, old_meta, old_raw = read_safetensors(old_path)
    ok = True
    for name in sorted(set(new) | set(old)):
        if name not in new or name not in old:
            print(f"{name}: only in {'new' if name in new else 'old'}", file=sys.stderr)
            ok = False
            continue
        a, b = new[name], old[name]
        if a.shape != b.shape:
            print(f"{name}: shape {list(a.shape)} vs {list(b.shape)}", file=sys.stderr)
            ok = False
            continue
        diff = (a - b).abs().max().item() if a.numel() else 0.0
        scale = b.abs().max().item() if b.numel() else 0.0
        if torch.equal(a, b):
            verdict = "identical"
        elif name.startswith("expected.") and diff <= tolerance * max(scale, 1.0):
            verdict = "within tolerance"
        else:
            verdict = "DIFFERS"
            ok = False
        print(f"{name}: {verdict}, max abs diff {diff:.3e} (largest |value| {scale:.3e})", file=sys.stderr)
    if new_meta != old_meta:
        print(f"metadata differs: {new_meta} vs {old_meta}", file=sys.stderr)
        ok = False
    print(f"files {'byte-identical' if new_raw == old_raw else 'differ in bytes'}; "
          f"{'MATCH' if ok else 'MISMATCH'} (tolerance {tolerance:g})", file=sys.stderr)
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="safetensors file to write")
    ap.add_argument("--compare", metavar="FILE", help="existing reference to compare the new file with")
    ap.add_argument("--tolerance", type=float, default=1e-12,
                    help="largest difference allowed in an expected.* tensor, times max(1, its largest magnitude) "
                         "(default 1e-12; 0 asks for bit-identical values)")
    args = ap.parse_args()
    tensors = compute()
    write_safetensors(args.out, tensors, metadata())
    print(f"wrote {args.out}: {len(tensors)} tensors, torch {torch.__version__}", file=sys.stderr)
    if args.compare:
        sys.exit(0 if compare(args.out, args.compare, args.tolerance) else 1)


if __name__ == "__main__":
    main()
