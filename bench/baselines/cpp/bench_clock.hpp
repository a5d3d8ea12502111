// bench_clock.hpp -- what the C++ micro-benchmarks (optimizer_bench, batch_norm_bench) share: this thread's CPU
// time, which other load on a shared machine disturbs far less than wall time, and the median of a sample.
#pragma once

#include <time.h>

#include <algorithm>
#include <vector>

namespace bench {

// CPU time of the calling thread, in milliseconds.
inline double thread_cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

inline double median(std::vector<double> xs) {
    std::sort(xs.begin(), xs.end());
    const size_t n = xs.size();
    return n % 2 ? xs[n / 2] : 0.5 * (xs[n / 2 - 1] + xs[n / 2]);
}

}  // namespace bench
