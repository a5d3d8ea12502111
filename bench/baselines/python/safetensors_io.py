"""safetensors_io.py -- read and write safetensors files (the format of jacreg's weights) from Python.

Uses the `safetensors` package when it is installed; otherwise a small reader and writer of the format
over torch alone: an 8-byte little-endian header length N, N bytes of JSON mapping each tensor name to
{"dtype", "shape", "data_offsets": [begin, end]} (plus an optional "__metadata__" object of strings),
then the raw little-endian, row-major data.
"""

import json
import os
import struct
import sys

import torch

DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
    "BOOL": torch.bool,
}
NAMES = {dtype: name for name, dtype in DTYPES.items()}


def package_available():
    try:
        import safetensors.torch  # noqa: F401
        return True
    except ImportError:
        return False


def reader_name():
    return "safetensors package" if package_available() else "bench/baselines/python/safetensors_io.py"


def load(path):
    """(tensors, metadata): name -> tensor in file order, and the string-to-string metadata."""
    if package_available():
        from safetensors import safe_open
        with safe_open(path, framework="pt") as f:
            return {name: f.get_tensor(name) for name in f.keys()}, dict(f.metadata() or {})
    if sys.byteorder != "little":
        raise RuntimeError("this reader assumes a little-endian machine, like the format")
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    body = data[8 + length:]
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = DTYPES[info["dtype"]]
        flat = torch.frombuffer(bytearray(body[begin:end]), dtype=dtype) if end > begin else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(info["shape"])
    return tensors, metadata


def save(path, tensors, metadata=None):
    """Writes name -> tensor (in dict order) and string metadata; atomic (temporary file, then rename)."""
    temporary = f"{path}.{os.getpid()}.tmp"
    tensors = {name: t.detach().cpu().contiguous() for name, t in tensors.items()}
    if package_available():
        from safetensors.torch import save_file
        save_file(tensors, temporary, metadata=metadata)
    else:
        header, blobs, offset = {}, [], 0
        if metadata:
            header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
        for name, t in tensors.items():
            blob = t.numpy().tobytes()  # numpy's native order is little-endian on the machines torch runs on here
            header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
            blobs.append(blob)
            offset += len(blob)
        text = json.dumps(header, separators=(",", ":")).encode("utf-8")
        text += b" " * (-(8 + len(text)) % 8)  # the data section starts 8-byte aligned, as jacreg writes it
        with open(temporary, "wb") as f:
            f.write(struct.pack("<Q", len(text)))
            f.write(text)
            for blob in blobs:
                f.write(blob)
    os.replace(temporary, path)
