// distributed.cpp — process groups over libtorch's c10d: TCPStore rendezvous, Gloo (CPU) or NCCL (CUDA), and the
// three collectives data-parallel training needs. Every failure (rendezvous timeout, port in use, lost peer,
// mismatched world size) is rethrown with what the shim was doing, so the Java exception names the problem.
#include "guard.hpp"
#include "process_group.hpp"

#if __has_include(<torch/headeronly/version.h>)
#include <torch/headeronly/version.h>  // where the newest libtorch keeps TORCH_VERSION_MAJOR
#else
#include <torch/version.h>
#endif
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
// The collectives' base class, Work and the option structs, declared directly: ProcessGroupGloo.hpp brings them too,
// but it is absent from a build without Gloo headers, which must still compile (and say it has no backend).
#if TORCH_VERSION_MAJOR >= 2
#include <torch/csrc/distributed/c10d/Backend.hpp>
#else
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#endif
#include <torch/csrc/distributed/c10d/Types.hpp>
#include <torch/csrc/distributed/c10d/Work.hpp>

#ifdef USE_C10D_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
// NCCL needs both a CUDA libtorch (USE_C10D_NCCL, set by the Makefile) and nccl.h on the include path; without
// either the shim still builds and says at run time that it has no NCCL.
#if defined(USE_C10D_NCCL) && __has_include(<nccl.h>)
#define JR_WITH_NCCL 1
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <arpa/inet.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace {

// The collectives' home moved in libtorch 2.0: the Gloo and NCCL classes now derive from c10d::Backend, and
// c10d::ProcessGroup became a dispatcher over backends. Both bases declare allreduce/broadcast/barrier alike.
#if TORCH_VERSION_MAJOR >= 2
using Collectives = c10d::Backend;
#else
using Collectives = c10d::ProcessGroup;
#endif

}  // namespace

struct jr_process_group {
    c10::intrusive_ptr<c10d::Store> store;
    c10::intrusive_ptr<Collectives> backend;
    int32_t rank;
    int32_t size;
    std::chrono::milliseconds timeout;
    // What recorded collectives (distributed_autograd.cpp) hold instead of the group itself; cleared on free.
    c10::intrusive_ptr<jr::GroupLink> link = c10::make_intrusive<jr::GroupLink>();

    ~jr_process_group() { link->group = nullptr; }
};

namespace {

// Runs f; any failure comes back as a std::runtime_error that says what was being done and by which rank.
template <class F>
auto in_context(const std::string &what, F &&f) -> decltype(f()) {
    try {
        return f();
    } catch (const c10::Error &e) {
        throw std::runtime_error(what + ": " + e.what_without_backtrace());
    } catch (const std::invalid_argument &) {
        throw;
    } catch (const std::exception &e) {
        throw std::runtime_error(what + ": " + e.what());
    }
}

jr_process_group &unwrap_group(const jr_process_group *group) {
    if (group == nullptr) throw std::invalid_argument("process group handle is NULL");
    return *const_cast<jr_process_group *>(group);
}

std::string who(const jr_process_group &g) {
    return "rank " + std::to_string(g.rank) + " of " + std::to_string(g.size);
}

#ifdef USE_C10D_GLOO
bool is_loopback(const std::string &host) {
    if (host == "localhost") return true;
    in_addr v4{};
    if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    return host == "::1";
}
#endif

// The keys of the world-size check below; each group has its own store, so they never clash.
std::string world_size_key(int32_t rank) { return "jacreg/world_size/" + std::to_string(rank); }
std::string verdict_read_key(int32_t rank) { return "jacreg/verdict_read/" + std::to_string(rank); }
const std::string kVerdictKey = "jacreg/verdict";
const std::string kAgreed = "ok";

void put(c10d::Store &store, const std::string &key, const std::string &value) {
    store.set(key, std::vector<uint8_t>(value.begin(), value.end()));
}

// The value at key once some rank has set it; a timeout fails with `missing` as the message.
std::string take(c10d::Store &store, const std::string &key, std::chrono::milliseconds timeout, const std::string &missing) {
    in_context(missing, [&] { store.wait({key}, timeout); });
    auto bytes = store.get(key);
    return std::string(bytes.begin(), bytes.end());
}

const std::string kMismatch = "world size mismatch: ";

std::string mismatch(int32_t other_rank, const std::string &other_size, int32_t rank, int32_t size) {
    return kMismatch + "rank " + std::to_string(other_rank) + " was started with world size " + other_size + ", rank " +
           std::to_string(rank) + " with " + std::to_string(size);
}

// A mismatch is the caller's mistake (an argument error); anything else in a verdict is a rank that did not come.
[[noreturn]] void fail_with(const std::string &verdict) {
    if (verdict.rfind(kMismatch, 0) == 0) throw std::invalid_argument(verdict);
    throw std::runtime_error(verdict);
}

// Every rank names a world-size mismatch, whichever arrives first. Each rank writes the world size it was given;
// the others compare theirs with rank 0's, rank 0 compares everyone's with its own and writes its verdict ("ok" or
// what is wrong), which every rank that agreed with rank 0 reads. Rank 0 hosts the store, so before it fails it
// waits until each rank that arrived has read the verdict (its last use of the store): leaving at once would close
// the store under them, and they would see "connection reset" or "broken pipe" instead of the reason.
void check_world_size(c10d::Store &store, int32_t rank, int32_t size, std::chrono::milliseconds timeout) {
    const std::string waited = " within " + std::to_string(timeout.count()) + " ms";
    put(store, world_size_key(rank), std::to_string(size));
    if (rank != 0) {
        std::string master = take(store, world_size_key(0), timeout, "rank 0 did not answer" + waited);
        std::string verdict = master == std::to_string(size)
                                  ? take(store, kVerdictKey, timeout, "rank 0 did not confirm the world size" + waited)
                                  : mismatch(0, master, rank, size);
        if (verdict == kAgreed) return;
        // The last use of the store before failing: rank 0 may close it as soon as this key arrives.
        try {
            put(store, verdict_read_key(rank), "1");
        } catch (const std::exception &) {
            // rank 0 has left already; the verdict stands
        }
        fail_with(verdict);
    }
    // One deadline for all: the others start waiting `timeout` for the verdict only once rank 0 has set its key, so
    // the verdict comes before they give up on it.
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string verdict = kAgreed;
    for (int32_t r = 1; r < size && verdict == kAgreed; ++r) {
        try {
            auto left = std::max(std::chrono::milliseconds(1), std::chrono::duration_cast<std::chrono::milliseconds>(
                                                                   deadline - std::chrono::steady_clock::now()));
            std::string other = take(store, world_size_key(r), left, "rank " + std::to_string(r) + " did not join" + waited);
            if (other != std::to_string(size)) verdict = mismatch(r, other, 0, size);
        } catch (const std::exception &e) {
            verdict = e.what();
        }
    }
    put(store, kVerdictKey, verdict);
    if (verdict == kAgreed) return;
    for (int32_t r = 1; r < size; ++r) {
        if (!store.check({world_size_key(r)})) continue;  // never arrived: nobody to tell
        try {
            store.wait({verdict_read_key(r)}, timeout);
        } catch (const std::exception &) {
            // that rank stopped answering; it learns nothing more from a store kept open
        }
    }
    fail_with(verdict);
}

// Why this shim cannot create groups of that backend here, or nullptr when it can.
const char *missing_backend(int32_t backend) {
    if (backend == JR_BACKEND_GLOO) {
#ifdef USE_C10D_GLOO
        return nullptr;
#elif defined(JR_WITH_NCCL)
        return "this jacreg build has no Gloo backend for CPU tensors (built without Gloo headers: install libgloo-dev, "
               "or use a libtorch that ships them, and rebuild)";
#else
        return "this jacreg build has no c10d backend (built without Gloo headers: install libgloo-dev, or use a "
               "libtorch that ships them, and rebuild)";
#endif
    }
    if (backend == JR_BACKEND_NCCL) {
#ifdef JR_WITH_NCCL
        return torch::cuda::is_available() ? nullptr : "the NCCL backend needs a CUDA device; none is visible";
#else
        return "this jacreg build has no NCCL backend (a CPU-only libtorch, or no nccl.h at build time)";
#endif
    }
    throw std::invalid_argument("unknown backend code " + std::to_string(backend));
}

// Only for a backend that missing_backend accepted.
c10::intrusive_ptr<Collectives> create_backend(int32_t backend, const std::string &host,
                                               const c10::intrusive_ptr<c10d::Store> &store, int32_t rank, int32_t size,
                                               std::chrono::milliseconds timeout) {
#ifdef USE_C10D_GLOO
    if (backend == JR_BACKEND_GLOO) {
        auto options = c10d::ProcessGroupGloo::Options::create(timeout);
        const char *interface = std::getenv("GLOO_SOCKET_IFNAME");
        if (interface != nullptr && *interface != '\0') {
            options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
        } else if (is_loopback(host)) {
            options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
        } else {
            options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
        }
        return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, options);
    }
#endif
#ifdef JR_WITH_NCCL
    if (backend == JR_BACKEND_NCCL) {
        auto options = c10d::ProcessGroupNCCL::Options::create();
        options->timeout = timeout;
        return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, size, options);
    }
#endif
    throw std::logic_error("backend code " + std::to_string(backend) + " is not built into this shim");
}

// One collective per tensor (c10d reads a list as one tensor per device), all issued before any is awaited.
template <typename Issue>
void run_each(const jr_process_group &g, std::vector<at::Tensor> &list, Issue &&issue) {
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    for (auto &t : list) {
        std::vector<at::Tensor> one{t};
        works.push_back(issue(one));
    }
    for (auto &work : works) work->wait(g.timeout);
}

}  // namespace

namespace jr {

jr_process_group &GroupLink::get(const std::string &what) const {
    if (group == nullptr) throw std::runtime_error(what + ": the process group was closed");
    return *group;
}

c10::intrusive_ptr<GroupLink> link_of(jr_process_group &group) { return group.link; }

void all_reduce_sum(jr_process_group &g, std::vector<at::Tensor> &tensors, const std::string &what) {
    in_context(who(g) + ": " + what + " failed", [&] {
        c10d::AllreduceOptions options;
        options.reduceOp = c10d::ReduceOp::SUM;
        options.timeout = g.timeout;
        run_each(g, tensors, [&](std::vector<at::Tensor> &one) { return g.backend->allreduce(one, options); });
    });
}

c10::intrusive_ptr<c10d::Work> all_reduce_sum_async(jr_process_group &g, at::Tensor &tensor, const std::string &what) {
    return in_context(who(g) + ": " + what + " failed", [&] {
        c10d::AllreduceOptions options;
        options.reduceOp = c10d::ReduceOp::SUM;
        options.timeout = g.timeout;
        std::vector<at::Tensor> one{tensor};
        return g.backend->allreduce(one, options);
    });
}

void wait_for(jr_process_group &g, c10d::Work &work, const std::string &what) {
    in_context(who(g) + ": " + what + " failed", [&] { work.wait(g.timeout); });
}

}  // namespace jr

JR_API int32_t jr_distributed_backend_available(int32_t backend, jr_error *err) {
    JR_TRY { return missing_backend(backend) == nullptr ? 1 : 0; }
    JR_CATCH(err, -1)
}

JR_API jr_process_group *jr_process_group_create(const char *host, int32_t port, int32_t world_size, int32_t rank,
                                                 int64_t timeout_ms, int32_t backend, jr_error *err) {
    JR_TRY {
        if (host == nullptr || *host == '\0') throw std::invalid_argument("master host is NULL or empty");
        if (port < 1 || port > 65535) throw std::invalid_argument("master port must be in 1..65535, got " + std::to_string(port));
        if (world_size < 1) throw std::invalid_argument("world size must be >= 1, got " + std::to_string(world_size));
        if (rank < 0 || rank >= world_size) {
            throw std::invalid_argument("rank must be in 0.." + std::to_string(world_size - 1) + ", got " + std::to_string(rank));
        }
        if (timeout_ms < 1) throw std::invalid_argument("timeout must be >= 1 ms, got " + std::to_string(timeout_ms));
        if (const char *why = missing_backend(backend)) throw std::invalid_argument(why);  // before any networking
        std::string master(host);
        std::chrono::milliseconds timeout(timeout_ms);
        std::string where = master + ":" + std::to_string(port);
        std::string self = "rank " + std::to_string(rank) + " of " + std::to_string(world_size);

        c10d::TCPStoreOptions options;
        options.port = static_cast<std::uint16_t>(port);
        options.isServer = rank == 0;
        options.numWorkers = static_cast<std::size_t>(world_size);
        // Not TCPStore's own wait for numWorkers: check_world_size waits for each rank instead, and so can tell a
        // rank started with another world size from one that is missing.
        options.waitWorkers = false;
        options.timeout = timeout;
        c10::intrusive_ptr<c10d::Store> store = in_context(
            self + ": rendezvous at " + where + (rank == 0 ? " (listening there)" : "") + " within " +
                std::to_string(timeout_ms) + " ms failed",
            [&] { return c10::intrusive_ptr<c10d::Store>(c10::make_intrusive<c10d::TCPStore>(master, options)); });
        in_context(self + ": rendezvous at " + where, [&] { check_world_size(*store, rank, world_size, timeout); });
        auto group = in_context(self + ": connecting the ranks at " + where + " failed",
                                [&] { return create_backend(backend, master, store, rank, world_size, timeout); });
        auto *created = new jr_process_group{store, group, rank, world_size, timeout};
        created->link->group = created;
        created->link->rank = rank;
        created->link->size = world_size;
        return created;
    }
    JR_CATCH(err, nullptr)
}

JR_API void jr_process_group_free(jr_process_group *group) {
    jr_error *err = nullptr;  // no slot: a failure while leaving has nowhere to go and nothing to undo
    JR_TRY {
        delete group;
    }
    JR_CATCH(err, )
}

JR_API int32_t jr_process_group_rank(const jr_process_group *group, jr_error *err) {
    JR_TRY { return unwrap_group(group).rank; }
    JR_CATCH(err, -1)
}

JR_API int32_t jr_process_group_size(const jr_process_group *group, jr_error *err) {
    JR_TRY { return unwrap_group(group).size; }
    JR_CATCH(err, -1)
}

JR_API int32_t jr_process_group_all_reduce(jr_process_group *group, jr_tensor *const *tensors, int64_t count, int32_t op,
                                           jr_error *err) {
    JR_TRY {
        jr_process_group &g = unwrap_group(group);
        if (op != JR_REDUCE_SUM && op != JR_REDUCE_AVERAGE) throw std::invalid_argument("unknown reduce op " + std::to_string(op));
        auto list = jr::tensor_list(tensors, count, "tensors");
        jr::all_reduce_sum(g, list, "all-reduce");  // Gloo has no average, so the sum is divided below
        if (op == JR_REDUCE_AVERAGE) {
            at::NoGradGuard no_grad;
            for (auto &t : list) t.div_(g.size);
        }
        return JR_OK;
    }
    JR_CATCH(err, -1)
}

JR_API int32_t jr_process_group_broadcast(jr_process_group *group, jr_tensor *const *tensors, int64_t count, int32_t root,
                                          jr_error *err) {
    JR_TRY {
        jr_process_group &g = unwrap_group(group);
        if (root < 0 || root >= g.size) {
            throw std::invalid_argument("root rank must be in 0.." + std::to_string(g.size - 1) + ", got " + std::to_string(root));
        }
        auto list = jr::tensor_list(tensors, count, "tensors");
        in_context(who(g) + ": broadcast from rank " + std::to_string(root) + " failed", [&] {
            c10d::BroadcastOptions options;
            options.rootRank = root;
            options.timeout = g.timeout;
            run_each(g, list, [&](std::vector<at::Tensor> &one) { return g.backend->broadcast(one, options); });
        });
        return JR_OK;
    }
    JR_CATCH(err, -1)
}

JR_API int32_t jr_process_group_barrier(jr_process_group *group, jr_error *err) {
    JR_TRY {
        jr_process_group &g = unwrap_group(group);
        in_context(who(g) + ": barrier failed", [&] {
            c10d::BarrierOptions options;
            options.timeout = g.timeout;
            auto work = g.backend->barrier(options);
            work->wait(g.timeout);
        });
        return JR_OK;
    }
    JR_CATCH(err, -1)
}
