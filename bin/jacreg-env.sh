# Process settings that make libtorch fast on CPU; sourced by bin/jacreg, bench/run-jmh and bench/compare
# so users, benchmarks and baselines all run the same way. Each respects a value already set.
# Measurements behind each choice: README.md, "Performance".

# glibc malloc: keep big tensor buffers on the heap instead of mmap/munmap per allocation (page faults
# dominate otherwise), never trim, and use one arena (the JVM calls from non-main threads, which would
# otherwise each get an arena and fault again).
: "${GLIBC_TUNABLES:=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824:glibc.malloc.arena_max=1}"
export GLIBC_TUNABLES

# OpenMP threads sleep instead of spinning when idle: spinning on a busy 2-core machine made steps
# 10-35x slower.
: "${OMP_WAIT_POLICY:=passive}"
export OMP_WAIT_POLICY
