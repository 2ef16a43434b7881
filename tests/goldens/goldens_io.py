"""Writes PyTorch tensors as safetensors without the safetensors package (not in Debian).

Used by every gen_*.py script in this folder. Run with Debian's python3-torch:
    /usr/bin/python3 make_goldens.py
"""
import json
import struct

import torch

_CODES = {
    torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.uint8: "U8", torch.bool: "BOOL",
}


def save(path, tensors, metadata=None):
    """Saves a dict name -> tensor (complex tensors are stored as real views, name + '.real_view')."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    for name, t in tensors.items():
        t = t.detach().contiguous()
        if t.is_complex():
            raise ValueError(f"{name}: store complex tensors with torch.view_as_real")
        data = t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.view(torch.int16).numpy().tobytes()
        header[name] = {"dtype": _CODES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for c in chunks:
            f.write(c)
