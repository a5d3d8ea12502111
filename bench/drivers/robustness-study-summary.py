#!/usr/bin/env python3
"""Summarise bench/drivers/robustness-study's outputs as Markdown (summary.md) and CSVs, per data set: every model's mean
accuracy (± half-width of the 95 % t interval over the replicates) under pixel noise (whole test set) and AutoAttack in
L∞ and L2 (the attacked subset), each model's difference from the Jacobian penalty paired by seed (mean ± 95 %
interval, replicates ahead of the penalty), training time, the sanity checks' flags, attack throughput, APGD-CE's time
per iteration against PGD's, and the PyTorch APGD-CE cross-check (apgd-crosscheck.csv).

    bench/drivers/robustness-study-summary.py RESULTS_DIR > RESULTS_DIR/summary.md
"""
import csv
import glob
import json
import math
import os
import re
import statistics
import sys

T95 = {2: 12.706, 3: 4.303, 4: 3.182, 5: 2.776, 6: 2.571, 7: 2.447, 8: 2.365, 9: 2.306, 10: 2.262}  # t(0.975, n − 1)
LABELS = {"jacobian": "Jacobian penalty", "reference": "Reference", "noise-augment": "Noise augmentation",
          "pgd-at": "PGD adversarial training", "input-gradient": "Input-gradient penalty",
          "jacobian-noise": "Penalty + noise augmentation", "trades": "TRADES", "weight-decay": "Weight decay"}
BASELINE = "jacobian"
NOISE_LEVELS = ["0", "0.1", "0.2", "0.3", "0.4", "0.5"]
# "throughput: NET under ATTACK: N images x R radii in S s, T images/s"
THROUGHPUT = re.compile(r"throughput: .* under (.+): (\d+) images x (\d+) radii in ([\d.]+) s, ([\d.]+) images/s")
CROSSCHECK_TOLERANCE = 1.0  # points: the bar for the PyTorch APGD-CE


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def mean_half(values):
    """Mean and half-width of the 95 % t interval ("" for one value)."""
    m = statistics.fmean(values)
    if len(values) < 2:
        return m, None
    return m, T95.get(len(values), 1.96) * statistics.stdev(values) / math.sqrt(len(values))


def cell(values, scale=100):
    m, h = mean_half([v * scale for v in values])
    return f"{m:.1f}" if h is None else f"{m:.1f} ± {h:.1f}"


def diff_cell(values, base):
    d = [(v - b) * 100 for v, b in zip(values, base)]
    m, h = mean_half(d)
    text = f"{m:+.1f}"
    text = "0.0" if text in ("+0.0", "-0.0") else text
    ahead = sum(1 for x in d if x > 0)
    return (text if h is None else f"{text} ± {h:.1f}") + f" ({ahead}/{len(d)})"


def table(title, level_column, levels, models, acc):
    """acc[model][level] = list of per-seed accuracies (seed order shared by all models)."""
    n = len(next(iter(acc[models[0]].values())))
    over = f"mean ± 95 % interval over {n} replicates" if n > 1 else "one replicate, so no interval"
    out = [f"**{title}** — accuracy in %, {over}; below each, the difference from the Jacobian penalty in points, "
           "paired by seed (replicates ahead of the penalty):", "",
           "| " + level_column + " | " + " | ".join(LABELS.get(m, m) for m in models) + " |",
           "|---:|" + "---:|" * len(models)]
    for level in levels:
        out.append(f"| {level} | " + " | ".join(cell(acc[m][level]) for m in models) + " |")
        out.append("| | " + " | ".join("" if m == BASELINE else diff_cell(acc[m][level], acc[BASELINE][level])
                                        for m in models) + " |")
    return out + [""]


def write_summary_csv(path, level_column, levels, models, acc):
    """One row per level: per model its mean, the interval's half-width, the paired difference from the penalty with its
    half-width and the replicates ahead of the penalty (fractions; the docs quote cells of it by level and column)."""
    header = [level_column, "replicates"]
    for m in models:
        header += [f"mean_{m}", f"ci_half_{m}", f"difference_{m}", f"ci_half_difference_{m}", f"ahead_{m}"]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for level in levels:
            row = [level, len(acc[models[0]][level])]
            for m in models:
                mean, half = mean_half(acc[m][level])
                d = [v - b for v, b in zip(acc[m][level], acc[BASELINE][level])]
                dm, dh = mean_half(d)
                row += [f"{mean:.4f}", "" if half is None else f"{half:.4f}", f"{dm:.4f}",
                        "" if dh is None else f"{dh:.4f}", sum(1 for x in d if x > 0)]
            w.writerow(row)


def replicate_rows(folder, name):
    """The experiment's NAME-replicates.csv, or where the run was cut short (no such file) the same rows gathered from
    the seed folders it wrote, seeds/seed-S/NAME.csv, each row prefixed with its seed."""
    path = os.path.join(folder, name + "-replicates.csv")
    if os.path.isfile(path):
        return rows(path)
    gathered = []
    for seed_dir in sorted(glob.glob(os.path.join(folder, "seeds", "seed-*")), key=lambda d: int(d.rsplit("-", 1)[1])):
        seed_file = os.path.join(seed_dir, name + ".csv")
        if os.path.isfile(seed_file):
            gathered += [{"seed": seed_dir.rsplit("-", 1)[1], **r} for r in rows(seed_file)]
    return gathered


def noise_section(folder, models):
    reps = replicate_rows(folder, "accuracy-replace")
    acc = {m: {} for m in models}
    for r in reps:
        if r["noise"] in NOISE_LEVELS:
            for m in models:
                acc[m].setdefault(r["noise"], []).append(float(r["accuracy_" + m]))
    levels = [lv for lv in NOISE_LEVELS if lv in acc[models[0]]]
    seeds = sorted({int(r["seed"]) for r in reps})
    write_summary_csv(os.path.join(folder, "noise-summary.csv"), "noise", levels, models, acc)
    return table(f"Pixel-replacement noise p (whole test set; seeds {', '.join(map(str, seeds))})", "noise", levels,
                 models, acc)


def attack_runs(folder, norm):
    """{(seed, model): path of the run folder} of the AutoAttack runs in one norm."""
    runs = {}
    for path in glob.glob(os.path.join(folder, "attacks", f"*-{norm}")):
        name = os.path.basename(path)
        if name.startswith("check-") or not os.path.isdir(path):
            continue
        seed, rest = name.split("-", 1)
        runs[(int(seed), rest[: -len(norm) - 1])] = path
    return runs


def single_column(path):
    """The (level, accuracy) pairs of a one-net sweep CSV."""
    with open(path, newline="") as f:
        reader = csv.reader(f)
        next(reader)
        return [(r[0], float(r[1])) for r in reader]


def attack_section(folder, models, norm, symbol, images):
    runs = attack_runs(folder, norm)
    seeds = sorted({s for s, _ in runs})
    acc, missing = {m: {} for m in models}, []
    complete = []
    for seed in seeds:
        found = {m: os.path.join(runs.get((seed, m), ""), "attack-autoattack.csv") for m in models}
        if not all(os.path.isfile(p) for p in found.values()):
            missing.append(seed)
            continue
        complete.append(seed)
        for m in models:
            for level, a in single_column(found[m]):
                acc[m].setdefault(level, []).append(a)
    if not complete:
        return [f"AutoAttack {symbol}: no complete replicate.", ""], []
    levels = list(acc[models[0]].keys())
    write_summary_csv(os.path.join(folder, f"autoattack-{norm}-summary.csv"), "epsilon", levels, models, acc)
    out = table(f"AutoAttack ({symbol}), radius ε, first {images} test images", "epsilon", levels, models, acc)
    if missing:
        out += [f"Seeds {', '.join(map(str, missing))} are left out: not every model's {symbol} run finished.", ""]
    flags = []
    for (seed, m), path in sorted(runs.items()):
        md = os.path.join(path, "robustness.md")
        if os.path.isfile(md):
            text = open(md, encoding="utf-8").read()
            if "Flagged" in text:
                for line in text.split("Flagged", 1)[1].splitlines():
                    if line.startswith("- "):
                        flags.append(f"seed {seed}, {LABELS.get(m, m)}: {line[2:]}")
    return out, flags


def throughput_section(folder, models):
    """Images/s per attack (median over the runs) and APGD-CE against PGD in ms per image and iteration."""
    per_attack = {}
    per_iteration = {"apgd-ce": [], "pgd": []}
    for log in sorted(glob.glob(os.path.join(folder, "attacks", "*.log"))):
        for line in open(log, encoding="utf-8", errors="replace"):
            m = THROUGHPUT.search(line)
            if not m:
                continue
            attack, images, radii, seconds, rate = m.group(1), int(m.group(2)), int(m.group(3)), float(m.group(4)), float(m.group(5))
            per_attack.setdefault(attack, []).append(rate)
            it = re.search(r"(\d+) (?:iterations|steps)", attack)
            if os.path.basename(log).startswith("check-") and it and images * radii > 0:
                kind = "apgd-ce" if attack.startswith("APGD-CE") else "pgd" if attack.startswith("PGD") else None
                if kind:
                    per_iteration[kind].append(1000 * seconds / (images * radii * int(it.group(1))))
    out = ["**Attack throughput** (images per second and radius, median over the runs and models; each run one net on "
           "one thread, two runs at a time on the shared machine):", "", "| attack | runs | images/s |", "|---|---:|---:|"]
    for attack, rates in sorted(per_attack.items()):
        out.append(f"| {attack} | {len(rates)} | {statistics.median(rates):.1f} |")
    out.append("")
    if per_iteration["apgd-ce"] and per_iteration["pgd"]:
        a, p = statistics.median(per_iteration["apgd-ce"]), statistics.median(per_iteration["pgd"])
        out += [f"APGD-CE costs {a:.2f} ms per image and iteration, PGD {p:.2f} ms (medians over "
                f"{len(per_iteration['apgd-ce'])} and {len(per_iteration['pgd'])} runs on the first seed's nets, same "
                f"images and radii)" + (f": a ratio of {a / p:.2f}." if p > 0 else ", too short to time."), ""]
    return out


def crosscheck_section(folder, name, models):
    """Java APGD-CE against the PyTorch one (apgd_check.py) on the first seed's nets; writes apgd-crosscheck.csv."""
    lines, worst, compared = [], 0.0, 0
    out_rows = []
    for m in models:
        java_csv = os.path.join(folder, "attacks", f"check-{m}-linf", "attack-apgd-ce.csv")
        py_json = os.path.join(folder, "attacks", f"check-{m}-linf.pytorch.json")
        if not (os.path.isfile(java_csv) and os.path.isfile(py_json) and os.path.getsize(py_json) > 0):
            continue
        java = single_column(java_csv)
        py = json.load(open(py_json))
        for (level, j), e, p in zip(java, py["epsilons"], py["apgd-ce"]):
            d = (j - p) * 100
            worst, compared = max(worst, abs(d)), compared + 1
            out_rows.append([name, m, level, f"{j:.4f}", f"{p:.4f}", f"{d:+.2f}", py["count"],
                             "yes" if abs(d) <= CROSSCHECK_TOLERANCE + 1e-9 else "no"])
    if not out_rows:
        return ["PyTorch APGD-CE cross-check: not run.", ""]
    with open(os.path.join(folder, "apgd-crosscheck.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["data", "model", "epsilon", "accuracy_java", "accuracy_pytorch", "difference_points", "images",
                    "within_1_point"])
        w.writerows(out_rows)
    bad = [r for r in out_rows if r[-1] == "no"]
    lines.append(f"**PyTorch APGD-CE cross-check** (bench/baselines/python/apgd_check.py on the first seed's weights and "
                 f"the first {out_rows[0][6]} test images, L∞): {compared} (model, ε) pairs, largest difference "
                 f"{worst:.1f} points; " + ("all within 1 point." if not bad else
                                             f"{len(bad)} beyond 1 point: " + "; ".join(
                                                 f"{LABELS.get(r[1], r[1])} at ε {r[2]} ({r[5]})" for r in bad) + ".")
                 + " Table: [apgd-crosscheck.csv](" + name + "/apgd-crosscheck.csv).")
    return lines + [""]


def training_section(folder, models):
    reps = replicate_rows(folder, "models")
    out = ["**Training** (seconds per replicate and median ms per iteration, mean ± 95 % interval; models trained two "
           "at a time):", "", "| model | training s | ms / iteration |", "|---|---:|---:|"]
    for m in models:
        mine = [r for r in reps if r["model"] == m]
        if mine:
            out.append(f"| {LABELS.get(m, m)} | {cell([float(r['training_seconds']) for r in mine], 1)} | "
                       f"{cell([float(r['median_ms_per_iteration']) for r in mine], 1)} |")
    return out + [""]


def main():
    root = sys.argv[1]
    settings = open(os.path.join(root, "settings.txt"), encoding="utf-8").read().strip().splitlines()
    images = re.search(r"first (\d+) test images", "\n".join(settings))
    images = images.group(1) if images else "?"
    print("# Robustness study\n")
    print("Settings and load, as the driver recorded them:\n")
    for line in settings:
        print("    " + line)
    print()
    for name in ("digits", "fashion-mnist"):
        folder = os.path.join(root, name)
        noise = replicate_rows(folder, "accuracy-replace")
        if not noise:
            continue
        models = [c[len("accuracy_"):] for c in noise[0] if c.startswith("accuracy_")]
        print(f"## {name}\n")
        out = training_section(folder, models) + noise_section(folder, models)
        flags = []
        for norm, symbol in (("linf", "L∞"), ("l2", "L2")):
            section, f = attack_section(folder, models, norm, symbol, images)
            out += section
            flags += f
        out += ["**Sanity checks** (Carlini et al. 2019, printed with every sweep; each run's robustness.md has the "
                "table): " + ("every model passes every applicable check." if not flags else
                              f"{len(flags)} flags:"), ""]
        out += [f"- {f}" for f in flags] + ([""] if flags else [])
        out += throughput_section(folder, models) + crosscheck_section(folder, name, models)
        print("\n".join(out))


if __name__ == "__main__":
    main()
