package dev.jacreg.distributed;

import dev.jacreg.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Many small tensors packed into few contiguous buffers, so a collective over them is a few large messages instead of
 * one per tensor (DDP's gradient buckets). Consecutive tensors of one dtype share a buffer until it would exceed
 * the capacity; a single larger tensor gets a buffer of its own.
 */
final class Buckets {
    private final List<List<Tensor>> groups;

    Buckets(List<Tensor> tensors, long capacityBytes) {
        groups = new ArrayList<>();
        List<Tensor> current = new ArrayList<>();
        long bytes = 0;
        for (Tensor t : tensors) {
            long size = t.numel() * t.dtype().byteSize();
            boolean fits = !current.isEmpty() && current.get(0).dtype() == t.dtype() && bytes + size <= capacityBytes;
            if (!current.isEmpty() && !fits) {
                groups.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(t);
            bytes += size;
        }
        if (!current.isEmpty()) groups.add(current);
    }

    int count() {
        return groups.size();
    }

    /** One flat copy per bucket (new tensors in the caller's scope). */
    List<Tensor> flatten() {
        List<Tensor> flats = new ArrayList<>(groups.size());
        for (List<Tensor> group : groups) {
            List<Tensor> rows = new ArrayList<>(group.size());
            for (Tensor t : group) rows.add(t.reshape(-1));
            flats.add(rows.size() == 1 ? rows.get(0).contiguous() : Tensor.cat(rows, 0));
        }
        return flats;
    }

    /** Copies the buffers' contents back into the tensors they were flattened from. */
    void unflatten(List<Tensor> flats) {
        for (int b = 0; b < groups.size(); b++) {
            long offset = 0;
            for (Tensor t : groups.get(b)) {
                long n = t.numel();
                t.copyFrom(flats.get(b).narrow(0, offset, n).reshape(t.shape()));
                offset += n;
            }
        }
    }
}
