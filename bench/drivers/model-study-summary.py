#!/usr/bin/env python3
"""Summarise bench/drivers/model-study's outputs as Markdown: per data set, every model's mean accuracy (± half-width of the
95 % interval) under pixel noise and the attacks at a few levels, its paired difference from the reference with
how many replicates it was ahead in, its exact Jacobian norm and its training time.

    bench/drivers/model-study-summary.py [RESULTS_DIR] > RESULTS_DIR/model-study.md
"""
import csv
import math
import os
import statistics
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "results", "model-study")
NOISE_LEVELS = ["0", "0.1", "0.2", "0.3", "0.4", "0.5"]
T95 = {2: 12.706, 3: 4.303, 4: 3.182, 5: 2.776, 6: 2.571, 7: 2.447, 8: 2.365, 9: 2.306, 10: 2.262}  # t(0.975, n − 1)


def labels_of(folder):
    """The models' labels from the recipes.csv jacreg writes into every run folder; a model without one keeps its name."""
    path = os.path.join(folder, "recipes.csv")
    if not os.path.exists(path):
        return {}
    with open(path, newline="") as f:
        return {r["name"]: r["label"] for r in csv.DictReader(f)}


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def models_of(summary_row):
    return [k[len("mean_"):] for k in summary_row if k.startswith("mean_")]


def mean_ci(row, model, scale=100):
    m = float(row["mean_" + model]) * scale
    lo, hi = row["ci_low_" + model], row["ci_high_" + model]
    if lo == "" or hi == "":
        return f"{m:.1f}"
    return f"{m:.1f} ± {(float(hi) - float(lo)) * scale / 2:.1f}"


def signed(points):
    text = f"{points:+.1f}"
    return "0.0" if text in ("+0.0", "-0.0") else text


def diff_cell(row, model, n):
    m = float(row["mean_difference_" + model]) * 100
    lo, hi = row["ci_low_difference_" + model], row["ci_high_difference_" + model]
    half = "" if lo == "" else f" ± {(float(hi) - float(lo)) * 50:.1f}"
    return f"{signed(m)}{half} ({row['ahead_' + model]}/{n})"


def sweep_table(folder, name, level_column, levels, title):
    summary = {r[level_column]: r for r in rows(os.path.join(folder, name + "-summary.csv"))}
    diff_path = os.path.join(folder, name + "-difference.csv")
    diff = {r[level_column]: r for r in rows(diff_path)} if os.path.exists(diff_path) else {}
    first = next(iter(summary.values()))
    models, n = models_of(first), first["replicates"]
    out = [f"**{title}** — accuracy in %, mean ± 95 % interval over {n} replicates; below each, the paired "
           "difference from the reference in points (replicates ahead of it):", "",
           "| " + level_column + " | " + " | ".join(labels_of(folder).get(m, m) for m in models) + " |",
           "|---:|" + "---:|" * len(models)]
    for level in levels:
        if level not in summary:
            continue
        out.append(f"| {level} | " + " | ".join(mean_ci(summary[level], m) for m in models) + " |")
        if level in diff:
            out.append("| | " + " | ".join("" if m == "reference" else diff_cell(diff[level], m, n) for m in models) + " |")
    return "\n".join(out) + "\n"


def versus_penalty(folder, name, level_column, levels, title):
    """Each other model minus the Jacobian penalty, paired by seed: the head-to-head the comparison is about."""
    reps = rows(os.path.join(folder, name + "-replicates.csv"))
    models = [k[len("accuracy_"):] for k in reps[0] if k.startswith("accuracy_") and k != "accuracy_jacobian"]
    out = [f"**{title}: each model − Jacobian penalty** (points, paired by seed, mean ± 95 % interval; replicates "
           "ahead of the penalty):", "", "| " + level_column + " | " + " | ".join(labels_of(folder).get(m, m) for m in models)
           + " |", "|---:|" + "---:|" * len(models)]
    for level in levels:
        at = [r for r in reps if r[level_column] == level]
        if len(at) < 2:
            continue
        cells = []
        for m in models:
            d = [float(r["accuracy_" + m]) - float(r["accuracy_jacobian"]) for r in at]
            half = T95.get(len(d), 1.96) * statistics.stdev(d) / math.sqrt(len(d))
            cells.append(f"{signed(statistics.mean(d) * 100)} ± {half * 100:.1f} ({sum(x > 0 for x in d)}/{len(d)})")
        out.append(f"| {level} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def models_table(folder):
    labels = labels_of(folder)
    out = ["| model | exact ‖J‖²_F (clean test set) | training time |", "|---|---:|---:|"]
    for r in rows(os.path.join(folder, "models-summary.csv")):
        norm = float(r["mean_norm"])
        half = (float(r["ci_high_norm"]) - float(r["ci_low_norm"])) / 2 if r["ci_low_norm"] else None
        secs = float(r["mean_training_seconds"])
        out.append(f"| {labels.get(r['model'], r['model'])} | {norm:.3f}" + (f" ± {half:.3f}" if half is not None else "")
                   + f" | {secs:.0f} s ({float(r['mean_median_ms_per_iteration']):.0f} ms / iteration) |")
    return "\n".join(out) + "\n"


def main():
    for data in sorted(os.listdir(ROOT)):
        folder = os.path.join(ROOT, data)
        if not os.path.exists(os.path.join(folder, "accuracy-replace-summary.csv")):
            continue
        print(f"## {data}\n")
        print(sweep_table(folder, "accuracy-replace", "noise", NOISE_LEVELS, "Pixel-replacement noise p"))
        print(versus_penalty(folder, "accuracy-replace", "noise", NOISE_LEVELS, "Pixel-replacement noise p"))
        for attack, title in (("attack-fgsm", "FGSM (L∞)"), ("attack-pgd", "PGD (L∞)")):
            if os.path.exists(os.path.join(folder, attack + "-summary.csv")):
                levels = [r["epsilon"] for r in rows(os.path.join(folder, attack + "-summary.csv"))]
                print(sweep_table(folder, attack, "epsilon", levels, title + ", radius ε"))
                print(versus_penalty(folder, attack, "epsilon", levels[1:], title + ", radius ε"))
        print(models_table(folder))


if __name__ == "__main__":
    main()
