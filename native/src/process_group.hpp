// process_group.hpp — what other shim files need of a process group (distributed.cpp): a reference an autograd
// node can hold, and a synchronous sum over the ranks.
#pragma once

#include <torch/csrc/distributed/c10d/Work.hpp>
#include <torch/torch.h>

#include <string>
#include <vector>

struct jr_process_group;

namespace jr {

// A reference to a process group that a recorded graph may keep beyond the group's life: the group clears it when
// it is freed, so a backward pass that runs later fails with "closed" instead of touching freed memory, and the
// group's connections close when the caller closes it, not when the last graph is gone.
struct GroupLink : torch::CustomClassHolder {
    jr_process_group *group = nullptr;
    int32_t rank = 0, size = 1;

    // The group; throws when it was closed. what names the step, for the message.
    jr_process_group &get(const std::string &what) const;
};

c10::intrusive_ptr<GroupLink> link_of(jr_process_group &group);

// Sums each tensor (contiguous) in place over the ranks and waits for the result; a failure (a lost peer, the
// timeout) throws a std::runtime_error that names the rank and `what`.
void all_reduce_sum(jr_process_group &group, std::vector<at::Tensor> &tensors, const std::string &what);

// Starts summing tensor (contiguous) in place over the ranks and returns at once; finish with wait_for.
c10::intrusive_ptr<c10d::Work> all_reduce_sum_async(jr_process_group &group, at::Tensor &tensor, const std::string &what);

// Waits (up to the group's timeout) for a collective started by all_reduce_sum_async; failures as all_reduce_sum.
void wait_for(jr_process_group &group, c10d::Work &work, const std::string &what);

}  // namespace jr
