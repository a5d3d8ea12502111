#!/usr/bin/env python3
"""dump_safetensors.py FILE -- prints a safetensors file as one JSON object, for cross-checks from Java.

{"reader": ..., "metadata": {...}, "tensors": [{"name", "dtype", "shape", "values"}, ...]} with the tensors in
file order and every value (floats as the shortest repr of the exact double, so float32 values survive).
Reads with the `safetensors` package when installed, else with bench/baselines/python/safetensors_io.py.
"""

import json
import sys

import safetensors_io


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: dump_safetensors.py FILE")
    tensors, metadata = safetensors_io.load(sys.argv[1])
    out = {
        "reader": safetensors_io.reader_name(),
        "metadata": metadata,
        "tensors": [{"name": name, "dtype": safetensors_io.NAMES[t.dtype], "shape": list(t.shape),
                     "values": t.reshape(-1).tolist()} for name, t in tensors.items()],
    }
    json.dump(out, sys.stdout, allow_nan=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
