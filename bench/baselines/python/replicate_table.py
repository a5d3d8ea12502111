# Mean ± 95 % Student-t half-width per noise level over experiment output folders (their replicates.csv and
# jacobian-norms.csv), as docs/results.md's replicate tables: used for the data-parallel runs of bench/results/distributed/<date>/report.md.
#   /usr/bin/python3 bench/baselines/python/replicate_table.py OUT_SEED0 OUT_SEED1 ...
import csv, glob, math, sys
from collections import defaultdict
# t quantiles (two-sided 95 %) by degrees of freedom
T = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571}
dirs = sys.argv[1:]
rows = defaultdict(list)  # noise -> [(j, r)]
norms = []
for d in dirs:
    for row in csv.DictReader(open(d + '/replicates.csv')):
        rows[float(row['noise'])].append((float(row['accuracy_jacobian']), float(row['accuracy_reference'])))
    for row in csv.DictReader(open(d + '/jacobian-norms.csv')):
        norms.append((float(row['norm_jacobian']), float(row['norm_reference'])))
def ci(xs):
    n = len(xs); m = sum(xs) / n
    if n < 2: return m, float('nan')
    s = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1))
    return m, T[n - 1] * s / math.sqrt(n)
print(f"replicates: {len(dirs)}")
print("| noise | Jacobian regularization | Reference | difference (points) | regularized ahead |")
print("|---:|---:|---:|---:|---:|")
for p in sorted(rows):
    js = [a * 100 for a, _ in rows[p]]; rs = [b * 100 for _, b in rows[p]]; ds = [a - b for a, b in zip(js, rs)]
    (mj, hj), (mr, hr), (md, hd) = ci(js), ci(rs), ci(ds)
    ahead = sum(1 for d in ds if d > 0)
    print(f"| {p*100:.0f} % | {mj:.2f} ± {hj:.2f} % | {mr:.2f} ± {hr:.2f} % | {md:+.1f} ± {hd:.1f} | {ahead} of {len(ds)} |")
ratio = [a / b for a, b in norms]
print("Jacobian norm ratio (regularized / reference) per replicate:", ", ".join(f"{r:.2f}" for r in ratio))
