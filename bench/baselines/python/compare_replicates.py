#!/usr/bin/env python3
"""compare_replicates.py -- do jacreg (Java) and the PyTorch baseline give the same accuracy distributions?

Reads jacreg's replicates.csv and jacobian-norms.csv (from `jacreg experiment --replicates N`) and the JSON lines
of bench/baselines/python/experiment.py run on the same data with its own seeds, and prints a Markdown report: per noise
level and net, each implementation's mean and 95 % Student-t interval, and Welch's t-test of the difference of
the means (two-sided p-value); the same for the paired difference JR - reference and the exact Jacobian norms.
A p-value far from 0 is what agreement looks like; with 5 seeds a side only large differences can show.

    python3 bench/baselines/python/compare_replicates.py --java DIR --python FILE.jsonl [--levels 0,0.3,0.5] [--title T]

Pure Python (no numpy/scipy): the t distribution comes from the regularized incomplete beta function.
"""

import argparse
import csv
import json
import math
import os


def betacf(a, b, x):
    """Continued fraction of the incomplete beta function (Lentz's method)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def betainc(a, b, x):
    """Regularized incomplete beta I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(1 - x))
    if x < (a + 1) / (a + b + 2):
        return front * betacf(a, b, x) / a
    return 1.0 - front * betacf(b, a, 1 - x) / b


def t_two_sided_p(t, df):
    return betainc(df / 2, 0.5, df / (df + t * t))


def t_quantile_975(df):
    lo, hi = 0.0, 1000.0
    for _ in range(200):  # bisection on the two-sided tail 0.05
        mid = (lo + hi) / 2
        if t_two_sided_p(mid, df) > 0.05:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def mean_ci(xs):
    n = len(xs)
    m = sum(xs) / n
    if n < 2:
        return m, float("nan"), float("nan")
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1))
    half = t_quantile_975(n - 1) * sd / math.sqrt(n)
    return m, m - half, m + half


def welch(a, b):
    """Welch's t statistic, its Welch-Satterthwaite degrees of freedom and the two-sided p-value."""
    na, nb = len(a), len(b)
    ma, mb = sum(a) / na, sum(b) / nb
    va = sum((x - ma) ** 2 for x in a) / (na - 1)
    vb = sum((x - mb) ** 2 for x in b) / (nb - 1)
    se2 = va / na + vb / nb
    if se2 == 0:
        return 0.0, float(na + nb - 2), 1.0
    t = (ma - mb) / math.sqrt(se2)
    df = se2 ** 2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1))
    return t, df, t_two_sided_p(abs(t), df)


def read_java(directory):
    acc = {}
    with open(os.path.join(directory, "replicates.csv")) as f:
        for row in csv.DictReader(f):
            p = round(float(row["noise"]), 4)
            acc.setdefault(p, {"jacobian": [], "reference": []})
            acc[p]["jacobian"].append(float(row["accuracy_jacobian"]))
            acc[p]["reference"].append(float(row["accuracy_reference"]))
    norms = {"jacobian": [], "reference": []}
    with open(os.path.join(directory, "jacobian-norms.csv")) as f:
        for row in csv.DictReader(f):
            norms["jacobian"].append(float(row["norm_jacobian"]))
            norms["reference"].append(float(row["norm_reference"]))
    return acc, norms


def read_python(path):
    acc, norms = {}, {"jacobian": [], "reference": []}
    rows = [json.loads(line) for line in open(path) if line.strip()]
    for r in sorted(rows, key=lambda r: (r["seed"], r["model"])):
        for p, a in r["accuracy"].items():
            acc.setdefault(round(float(p), 4), {"jacobian": [], "reference": []})[r["model"]].append(a)
        norms[r["model"]].append(r["exact_norm"])
    return acc, norms


def fmt(m, lo, hi, scale=100, digits=2):
    return f"{m * scale:.{digits}f} [{lo * scale:.{digits}f}, {hi * scale:.{digits}f}]"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--java", required=True, help="jacreg experiment --replicates output folder")
    ap.add_argument("--python", required=True, help="bench/baselines/python/experiment.py JSON lines")
    ap.add_argument("--levels", default="0,0.3,0.5")
    ap.add_argument("--title", default="Java vs PyTorch")
    args = ap.parse_args()
    java_acc, java_norm = read_java(args.java)
    py_acc, py_norm = read_python(args.python)
    levels = [round(float(x), 4) for x in args.levels.split(",")]

    print(f"## {args.title}\n")
    print(f"Java: {len(java_norm['jacobian'])} replicates; PyTorch: {len(py_norm['jacobian'])} seeds. Accuracy in %, "
          "mean [95 % t interval]; Welch's t-test of Java's mean against PyTorch's (two-sided p).\n")
    print("| noise p | net | Java | PyTorch | Java − PyTorch | Welch t (df) | p |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for p in levels:
        for net in ("jacobian", "reference", "difference"):
            if net == "difference":
                a = [x - y for x, y in zip(java_acc[p]["jacobian"], java_acc[p]["reference"])]
                b = [x - y for x, y in zip(py_acc[p]["jacobian"], py_acc[p]["reference"])]
                label = "JR − reference"
            else:
                a, b = java_acc[p][net], py_acc[p][net]
                label = "JR" if net == "jacobian" else "reference"
            t, df, pv = welch(a, b)
            diff = sum(a) / len(a) - sum(b) / len(b)
            print(f"| {p:.2f} | {label} | {fmt(*mean_ci(a))} | {fmt(*mean_ci(b))} | {diff * 100:+.2f} | "
                  f"{t:+.2f} ({df:.1f}) | {pv:.2f} |")
    print("\nExact mean ‖∂softmax/∂x‖²_F on the clean test set:\n")
    print("| net | Java | PyTorch | Welch t (df) | p |")
    print("|---|---:|---:|---:|---:|")
    for net in ("jacobian", "reference"):
        a, b = java_norm[net], py_norm[net]
        t, df, pv = welch(a, b)
        print(f"| {'JR' if net == 'jacobian' else 'reference'} | {fmt(*mean_ci(a), scale=1, digits=4)} | "
              f"{fmt(*mean_ci(b), scale=1, digits=4)} | {t:+.2f} ({df:.1f}) | {pv:.2f} |")


if __name__ == "__main__":
    main()
