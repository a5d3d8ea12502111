#!/usr/bin/env python3
"""idx-subset.py -- the first N test images of an IDX folder (plain or .gz files) as a new IDX folder, for attacking a
fixed subset of a test set: `jacreg evaluate --data idx:OUT` and apgd_check.py read it. The training files get the first
image only (jacreg evaluate loads a training set but does not use it).

    bench/drivers/idx-subset.py SOURCE_DIR N OUT_DIR
"""
import gzip
import os
import struct
import sys


def read(path):
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        path += ".gz"
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        return f.read()


def first(data, n, path):
    """The IDX file's first n items, header rewritten."""
    zero, kind, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or kind != 0x08:
        sys.exit(f"idx-subset: {path} is not an unsigned-byte IDX file")
    dims = list(struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim]))
    if n > dims[0]:
        sys.exit(f"idx-subset: {path} holds {dims[0]} items, fewer than {n}")
    item = 1
    for d in dims[1:]:
        item *= d
    body = data[4 + 4 * ndim:4 + 4 * ndim + n * item]
    return struct.pack(">HBB", 0, kind, ndim) + struct.pack(">" + "I" * ndim, n, *dims[1:]) + body


def main():
    if len(sys.argv) != 4 or not sys.argv[2].isdigit() or int(sys.argv[2]) < 1:
        sys.exit("usage: idx-subset.py SOURCE_DIR N OUT_DIR (N >= 1)")
    source, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    os.makedirs(out, exist_ok=True)
    for split, count in (("t10k", n), ("train", 1)):
        for kind in ("images-idx3", "labels-idx1"):
            name = f"{split}-{kind}-ubyte"
            path = os.path.join(source, name)
            with open(os.path.join(out, name), "wb") as f:
                f.write(first(read(path), count, path))


if __name__ == "__main__":
    main()
