// distributed.cpp — process groups over libtorch's c10d: TCPStore rendezvous, Gloo (CPU) or NCCL (CUDA), and the
// three collectives data-parallel training needs. Every failure (rendezvous timeout, port in use, lost peer,
// mismatched world size) is rethrown with what the shim was doing, so the Java exception names the problem.
#include "guard.hpp"

#if __has_include(<torch/headeronly/version.h>)
#include <torch/headeronly/version.h>  // where the newest libtorch keeps TORCH_VERSION_MAJOR
#else
#include <torch/version.h>
#endif
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

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

bool is_loopback(const std::string &host) {
    if (host == "localhost") return true;
    in_addr v4{};
    if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    return host == "::1";
}

// Each rank writes the world size it was given; each compares with rank 0's, and rank 0 with everyone's, so a
// mismatch is named on both sides instead of surfacing as a rendezvous timeout.
void check_world_size(c10d::Store &store, int32_t rank, int32_t size, std::chrono::milliseconds timeout) {
    std::string value = std::to_string(size);
    store.set("jacreg/world_size/" + std::to_string(rank), std::vector<uint8_t>(value.begin(), value.end()));
    auto read = [&store, timeout](int32_t r) {
        std::string key = "jacreg/world_size/" + std::to_string(r);
        in_context("rank " + std::to_string(r) + " did not join within " + std::to_string(timeout.count()) + " ms",
                   [&] { store.wait({key}, timeout); });
        auto bytes = store.get(key);
        return std::string(bytes.begin(), bytes.end());
    };
    if (rank != 0) {
        std::string master = read(0);
        if (master != value) {
            throw std::invalid_argument("world size mismatch: rank 0 was started with world size " + master + ", rank " +
                                        std::to_string(rank) + " with " + value);
        }
        return;
    }
    for (int32_t r = 1; r < size; ++r) {
        std::string other = read(r);
        if (other != value) {
            throw std::invalid_argument("world size mismatch: rank " + std::to_string(r) + " was started with world size " +
                                        other + ", rank 0 with " + value);
        }
    }
}

c10::intrusive_ptr<Collectives> create_backend(int32_t backend, const std::string &host,
                                               const c10::intrusive_ptr<c10d::Store> &store, int32_t rank, int32_t size,
                                               std::chrono::milliseconds timeout) {
    if (backend == JR_BACKEND_GLOO) {
#ifdef USE_C10D_GLOO
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
#else
        throw std::invalid_argument("this jacreg shim was built without Gloo (no gloo headers at build time)");
#endif
    }
    if (backend == JR_BACKEND_NCCL) {
#ifdef JR_WITH_NCCL
        if (!torch::cuda::is_available()) throw std::invalid_argument("the NCCL backend needs a CUDA device; none is visible");
        auto options = c10d::ProcessGroupNCCL::Options::create();
        options->timeout = timeout;
        return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, size, options);
#else
        throw std::invalid_argument("this jacreg shim was built without NCCL (a CPU-only libtorch, or no nccl.h at build time)");
#endif
    }
    throw std::invalid_argument("unknown backend code " + std::to_string(backend));
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

JR_API int32_t jr_distributed_backend_available(int32_t backend, jr_error *err) {
    JR_TRY {
        if (backend == JR_BACKEND_GLOO) {
#ifdef USE_C10D_GLOO
            return 1;
#else
            return 0;
#endif
        }
        if (backend == JR_BACKEND_NCCL) {
#ifdef JR_WITH_NCCL
            return torch::cuda::is_available() ? 1 : 0;
#else
            return 0;
#endif
        }
        throw std::invalid_argument("unknown backend code " + std::to_string(backend));
    }
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
        std::string master(host);
        std::chrono::milliseconds timeout(timeout_ms);
        std::string where = master + ":" + std::to_string(port);
        std::string self = "rank " + std::to_string(rank) + " of " + std::to_string(world_size);

        c10d::TCPStoreOptions options;
        options.port = static_cast<std::uint16_t>(port);
        options.isServer = rank == 0;
        options.numWorkers = static_cast<std::size_t>(world_size);
        options.waitWorkers = true;
        options.timeout = timeout;
        c10::intrusive_ptr<c10d::Store> store = in_context(
            self + ": rendezvous at " + where + (rank == 0 ? " (listening there)" : "") + " within " +
                std::to_string(timeout_ms) + " ms failed",
            [&] { return c10::intrusive_ptr<c10d::Store>(c10::make_intrusive<c10d::TCPStore>(master, options)); });
        in_context(self + ": rendezvous at " + where, [&] { check_world_size(*store, rank, world_size, timeout); });
        auto group = in_context(self + ": connecting the ranks at " + where + " failed",
                                [&] { return create_backend(backend, master, store, rank, world_size, timeout); });
        return new jr_process_group{store, group, rank, world_size, timeout};
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
        in_context(who(g) + ": all-reduce failed", [&] {
            // Gloo has no average, so the sum is divided here.
            c10d::AllreduceOptions options;
            options.reduceOp = c10d::ReduceOp::SUM;
            options.timeout = g.timeout;
            run_each(g, list, [&](std::vector<at::Tensor> &one) { return g.backend->allreduce(one, options); });
        });
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
