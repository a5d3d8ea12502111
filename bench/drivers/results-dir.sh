# Sourced by the drivers. Measurements are data under a dated path: bench/results/<study>/<YYYY-MM-DD>/, and the
# one-line file bench/results/<study>/LATEST names the newest such folder (a file, not a symlink, so it works
# everywhere); docs are generated from LATEST (make docs).
study_dir() {  # study_dir STUDY -> creates today's folder of STUDY, points LATEST at it and prints its path
  local day results="${ROOT:?ROOT must be set}/bench/results/$1"
  day=$(date -u +%F)
  mkdir -p "$results/$day"
  echo "$day" > "$results/LATEST"
  echo "$results/$day"
}
