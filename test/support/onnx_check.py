#!/usr/bin/env python3
"""Run the reference ONNX checker on model files and print one JSON document.

Usage: /usr/bin/python3 onnx_check.py MODEL.onnx [MODEL.onnx ...]

Prints {"onnx": <version>, "irVersion": <max IR>, "maxOpset": <max ai.onnx opset>,
"results": [{"path", "ok", "mode", "error", "notes"}]}.

mode "full": onnx.checker.check_model(path, full_check=True) on the file as is.
It is given the *path* so external data (location/offset/length) is resolved
relative to the model and checked too.

mode "compat": the model uses things newer than this onnx release knows
(Debian's python3-onnx 1.12 stops at IR 8 / opset 17: no FP8 or INT4 types,
no block_size/output_dtype/saturate). We then check a lowered copy: IR and
ai.onnx opset clamped to what the checker supports, FP8 element types mapped
to INT8, INT4/UINT4 mapped to INT8/UINT8 (raw data unpacked), and those newer
attributes dropped. Everything else (graph topology, SSA form, node inputs
defined, standard ops and their other attributes, shape inference over the
graph) is still checked. Each change made is listed in "notes".
"""
import json
import os
import sys
import tempfile

import onnx
from onnx import checker, helper  # noqa: F401

FP8 = {17, 18, 19, 20}
INT4 = {21: onnx.TensorProto.UINT8, 22: onnx.TensorProto.INT8}
NEWER_ATTRS = {"block_size", "output_dtype", "saturate"}


def max_opset():
    return onnx.defs.onnx_opset_version()


def needs_compat(model):
    if model.ir_version > onnx.IR_VERSION:
        return True
    for o in model.opset_import:
        if o.domain in ("", "ai.onnx") and o.version > max_opset():
            return True
    return False


def unpack_int4(raw, count, signed):
    out = bytearray(count)
    for i in range(count):
        b = raw[i >> 1]
        v = (b >> 4) if (i & 1) else (b & 0x0F)
        if signed and v >= 8:
            v -= 16
        out[i] = v & 0xFF
    return bytes(out)


def lower_tensor(t, notes):
    if t.data_type in FP8:
        notes.append(f"FP8 data_type {t.data_type} -> INT8")
        t.data_type = onnx.TensorProto.INT8
    elif t.data_type in INT4:
        count = 1
        for d in t.dims:
            count *= d
        signed = t.data_type == 22
        notes.append(f"INT4 data_type {t.data_type} -> 8-bit (unpacked)")
        if t.raw_data:
            t.raw_data = unpack_int4(t.raw_data, count, signed)
        t.data_type = INT4[t.data_type]


def lower(model, notes):
    if model.ir_version > onnx.IR_VERSION:
        notes.append(f"ir_version {model.ir_version} -> {onnx.IR_VERSION}")
        model.ir_version = onnx.IR_VERSION
    for o in model.opset_import:
        if o.domain in ("", "ai.onnx") and o.version > max_opset():
            notes.append(f"opset {o.version} -> {max_opset()}")
            o.version = max_opset()
    g = model.graph
    for t in g.initializer:
        lower_tensor(t, notes)
    shapes = {t.name: list(t.dims) for t in g.initializer}
    for n in g.node:
        if n.op_type == "Constant":
            for a in n.attribute:
                if a.name == "value":
                    shapes[n.output[0]] = list(a.t.dims)
    added = []
    for n in g.node:
        keep = []
        for a in n.attribute:
            if a.name in NEWER_ATTRS and n.op_type in ("QuantizeLinear", "DequantizeLinear"):
                notes.append(f"{n.op_type}: dropped attribute {a.name}")
                if a.name == "output_dtype" and len(n.input) < 3:
                    # Without output_dtype an omitted zero point means UINT8; keep
                    # the declared type by adding an explicit zero zero point.
                    elem = a.i
                    if elem in FP8:
                        elem = onnx.TensorProto.INT8
                    elem = INT4.get(elem, elem)
                    dims = shapes.get(n.input[1], [])
                    count = 1
                    for d in dims:
                        count *= d
                    zp = helper.make_tensor(f"{n.name}/compat_zero_point", elem, dims, bytes(count), raw=True)
                    added.append(zp)
                    n.input.append(zp.name)
                    notes.append("QuantizeLinear: output_dtype replaced by an explicit zero point")
                continue
            if a.type == onnx.AttributeProto.TENSOR:
                lower_tensor(a.t, notes)
            keep.append(a)
        del n.attribute[:]
        n.attribute.extend(keep)
    g.initializer.extend(added)
    for vi in list(g.input) + list(g.output) + list(g.value_info):
        tt = vi.type.tensor_type
        if tt.elem_type in FP8:
            tt.elem_type = onnx.TensorProto.INT8
        elif tt.elem_type in INT4:
            tt.elem_type = INT4[tt.elem_type]


def check(path):
    res = {"path": path, "ok": False, "mode": "full", "error": None, "notes": []}
    try:
        model = onnx.load(path, load_external_data=False)
        if not needs_compat(model):
            checker.check_model(path, full_check=True)
            res["ok"] = True
            return res
        res["mode"] = "compat"
        model = onnx.load(path)  # resolves external data next to the file
        lower(model, res["notes"])
        # One line per kind of change, with how often it was made.
        counts = {}
        for n in res["notes"]:
            counts[n] = counts.get(n, 0) + 1
        res["notes"] = [n if c == 1 else f"{n} (x{c})" for n, c in counts.items()]
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "lowered.onnx")
            onnx.save(model, p)
            checker.check_model(p, full_check=True)
        res["ok"] = True
    except Exception as e:  # report every failure as data
        res["error"] = f"{type(e).__name__}: {e}"
    return res


def main(argv):
    out = {
        "onnx": onnx.__version__,
        "irVersion": onnx.IR_VERSION,
        "maxOpset": max_opset(),
        "results": [check(p) for p in argv[1:]],
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
