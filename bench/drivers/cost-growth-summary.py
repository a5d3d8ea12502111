#!/usr/bin/env python3
"""cost-growth-summary.py DIR -- the tables of bench/drivers/cost-growth from DIR/raw.csv and DIR/epochs-raw.csv.

Writes DIR/batch.csv, projections.csv, image-size.csv, threads.csv, variants.csv, epochs.csv, epochs-marginal.csv
(medians over rounds; every ratio is penalised ÷ plain within a round, then the median over rounds) and
DIR/cost-growth.md: one Markdown table per CSV, in that order, which docs/performance.md quotes (tools/Docs.java
`table`; epochs-marginal's table only once both real epochs of a net are measured).
"""
import csv
import os
import statistics
import sys

PLAIN = "step_plain"
JACOBIAN = "step_jacobian_projection"


def read(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x, digits=2):
    if x is None:
        return ""
    if isinstance(x, str):
        return x
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.{digits}f}"


class Runs:
    """raw.csv rows by (case, batch, image size, projections, threads) and round."""

    def __init__(self, rows):
        self.rows = rows
        self.by = {}
        for r in rows:
            key = (r["case"], int(r["batch"]), int(r["image_size"]), int(r["projections"]), int(r["threads"]))
            self.by.setdefault(key, {})[int(r["round"])] = r

    def values(self, key, column):
        return {rnd: float(r[column]) for rnd, r in self.by.get(key, {}).items() if r[column] not in ("", "None", "null")}

    def med(self, key, column):
        return median(list(self.values(key, column).values()))

    def ratio(self, key, base, column="cpu_ms"):
        a, b = self.values(key, column), self.values(base, column)
        return median([a[r] / b[r] for r in a if r in b and b[r] > 0])

    def loads(self):
        xs = [float(r["load1"]) for r in self.rows]
        return (min(xs), max(xs)) if xs else (None, None)


def write(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for row in rows:
            w.writerow(["" if x is None else (round(x, 4) if isinstance(x, float) else x) for x in row])


def markdown(title, header, rows):
    out = [f"**{title}**", "", "| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    for row in rows:
        out.append("| " + " | ".join(fmt(x) if not isinstance(x, int) else str(x) for x in row) + " |")
    return "\n".join(out) + "\n"


def main(folder):
    runs = Runs(read(os.path.join(folder, "raw.csv")))
    md = []
    base = lambda case, b=32, s=28, p=1, t=1: (case, b, s, p, t)  # noqa: E731

    header = ["batch", "plain CPU ms", "JR CPU ms", "JR/plain", "plain µs/image", "JR µs/image", "plain peak RSS MiB",
              "JR peak RSS MiB"]
    rows = []
    for b in (8, 16, 32, 64, 128, 256):
        p, j = runs.med(base(PLAIN, b), "cpu_ms"), runs.med(base(JACOBIAN, b), "cpu_ms")
        if p is None and j is None:
            continue
        rows.append([b, p, j, runs.ratio(base(JACOBIAN, b), base(PLAIN, b)), p and p * 1000 / b, j and j * 1000 / b,
                     runs.med(base(PLAIN, b), "peak_rss_mb"), runs.med(base(JACOBIAN, b), "peak_rss_mb")])
    write(os.path.join(folder, "batch.csv"), ["batch", "plain_cpu_ms", "jacobian_cpu_ms", "ratio", "plain_us_per_image",
          "jacobian_us_per_image", "plain_peak_rss_mb", "jacobian_peak_rss_mb"], rows)
    md.append(markdown("Batch size (28² images, 1 projection, 1 thread)", header, rows))

    header = ["projections", "JR CPU ms", "JR/plain", "JR ÷ JR with 1", "JR peak RSS MiB"]
    rows = []
    for n in (1, 2, 5, 10):
        key = base(JACOBIAN, p=n)
        if not runs.values(key, "cpu_ms"):
            continue
        rows.append([n, runs.med(key, "cpu_ms"), runs.ratio(key, base(PLAIN)), runs.ratio(key, base(JACOBIAN)),
                     runs.med(key, "peak_rss_mb")])
    write(os.path.join(folder, "projections.csv"), ["projections", "jacobian_cpu_ms", "ratio", "ratio_to_one_projection",
          "jacobian_peak_rss_mb"], rows)
    md.append(markdown("Projections (batch 32, 28², 1 thread)", header, rows))

    header = ["image", "plain CPU ms", "JR CPU ms", "JR/plain", "plain peak RSS MiB", "JR peak RSS MiB"]
    rows = []
    for s in (28, 40, 64):
        p, j = base(PLAIN, s=s), base(JACOBIAN, s=s)
        if not runs.values(j, "cpu_ms"):
            continue
        rows.append([f"{s}²", runs.med(p, "cpu_ms"), runs.med(j, "cpu_ms"), runs.ratio(j, p),
                     runs.med(p, "peak_rss_mb"), runs.med(j, "peak_rss_mb")])
    write(os.path.join(folder, "image-size.csv"), ["image_size", "plain_cpu_ms", "jacobian_cpu_ms", "ratio",
          "plain_peak_rss_mb", "jacobian_peak_rss_mb"], [[r[0].rstrip("²")] + r[1:] for r in rows])
    md.append(markdown("Image size (batch 32, 1 projection, 1 thread; the fully connected layer takes 20·(S−4)² inputs)",
                       header, rows))

    header = ["threads", "plain wall ms", "JR wall ms", "JR/plain (wall)", "plain process CPU ms", "JR process CPU ms",
              "JR/plain (CPU)"]
    rows = []
    for t in (1, 2):
        p, j = base(PLAIN, t=t), base(JACOBIAN, t=t)
        if not runs.values(j, "wall_ms"):
            continue
        rows.append([t, runs.med(p, "wall_ms"), runs.med(j, "wall_ms"), runs.ratio(j, p, "wall_ms"),
                     runs.med(p, "process_cpu_ms"), runs.med(j, "process_cpu_ms"), runs.ratio(j, p, "process_cpu_ms")])
    write(os.path.join(folder, "threads.csv"), ["threads", "plain_wall_ms", "jacobian_wall_ms", "ratio_wall",
          "plain_process_cpu_ms", "jacobian_process_cpu_ms", "ratio_process_cpu"], rows)
    md.append(markdown("libtorch threads (batch 32, 28²; wall time is what a second thread can shorten, and what the "
                       "load inflates most)", header, rows))

    header = ["case", "CPU ms", "÷ plain", "peak RSS MiB"]
    rows = [["step_plain", runs.med(base(PLAIN), "cpu_ms"), 1.0 if runs.values(base(PLAIN), "cpu_ms") else None,
             runs.med(base(PLAIN), "peak_rss_mb")]]
    for case in (JACOBIAN, "step_jacobian_projection_every2", "step_jacobian_projection_subset",
                 "step_jacobian_finite_difference", "step_jacobian_finite_difference_every2",
                 "step_jacobian_finite_difference_subset"):
        key = base(case)
        if runs.values(key, "cpu_ms"):
            rows.append([case, runs.med(key, "cpu_ms"), runs.ratio(key, base(PLAIN)), runs.med(key, "peak_rss_mb")])
    write(os.path.join(folder, "variants.csv"), ["case", "cpu_ms", "ratio", "peak_rss_mb"], rows)
    md.append(markdown("Estimators, every second step, a quarter of the batch (batch 32, 28², 1 thread; _every2 is "
                       "the mean of a penalised and a plain step; _subset the penalty on 8 of 32 images)", header, rows))

    # Time per epoch: steps × step time (per-step CPU at batch 32), and the real one-epoch runs where measured.
    epochs = {(int(r["train_images"]), r["net"]): r for r in read(os.path.join(folder, "epochs-raw.csv"))}
    p, j = runs.med(base(PLAIN), "cpu_ms"), runs.med(base(JACOBIAN), "cpu_ms")
    header = ["training images", "steps", "plain s (steps × step)", "JR s (steps × step)", "plain s measured",
              "JR s measured", "plain peak RSS MiB", "JR peak RSS MiB"]
    rows = []
    for n in (5000, 20000, 60000):
        steps = n // 32
        mp, mj = epochs.get((n, "plain")), epochs.get((n, "jacobian"))
        rows.append([n, steps, p and steps * p / 1000, j and steps * j / 1000,
                     mp and float(mp["process_cpu_s"]), mj and float(mj["process_cpu_s"]),
                     mp and float(mp["peak_rss_mb"]), mj and float(mj["peak_rss_mb"])])
    write(os.path.join(folder, "epochs.csv"), ["train_images", "steps", "plain_predicted_cpu_s",
          "jacobian_predicted_cpu_s", "plain_measured_process_cpu_s", "jacobian_measured_process_cpu_s",
          "plain_peak_rss_mb", "jacobian_peak_rss_mb"], rows)
    md.append(markdown("One epoch against data size (batch 32, Fashion-MNIST 28², 1 thread; measured: one real epoch of "
                       "`jacreg train`, whole-process CPU seconds including JVM start, data loading and the test pass; "
                       "the rest is steps × the step CPU time above)", header, rows))

    # The measured epochs' fixed part (JVM start, data loading, test pass) cancels between the 5k and the 60k run:
    # what an extra step really costs in a run, data pipeline included.
    header = ["net", "measured CPU ms per step, (60k − 5k) ÷ steps", "StepBench CPU ms per step", "measured ÷ StepBench"]
    rows = []
    for net, step in (("plain", p), ("jacobian", j)):
        small, large = epochs.get((5000, net)), epochs.get((60000, net))
        if small and large:
            marginal = (float(large["process_cpu_s"]) - float(small["process_cpu_s"])) * 1000 / (60000 // 32 - 5000 // 32)
            rows.append(["JR" if net == "jacobian" else net, marginal, step, step and marginal / step])
    write(os.path.join(folder, "epochs-marginal.csv"), ["net", "measured_cpu_ms_per_step", "stepbench_cpu_ms_per_step",
          "ratio"], rows)
    if rows:
        md.append(markdown("What one more step costs in a real run (from the 5,000 and 60,000-image epochs above)",
                           header, rows))

    lo, hi = runs.loads()
    rounds = len({r["round"] for r in runs.rows})
    head = [f"- rounds: {rounds}",
            f"- load average: {fmt(lo)}–{fmt(hi)} (1 min, at the start of each step run) on {os.cpu_count()} cores",
            "- absolute times are under that load (CPU time too grows under load: caches and memory bandwidth are "
            "shared); the ratios come from runs of the same round", ""]
    with open(os.path.join(folder, "cost-growth.md"), "w") as f:
        f.write("## How a step's cost grows\n\n" + "\n".join(head) + "\n" + "\n".join(md))


if __name__ == "__main__":
    main(sys.argv[1])
