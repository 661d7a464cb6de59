#!/usr/bin/env python3
"""Run the reference ONNX checker on model files and print one JSON document.

Usage: /usr/bin/python3 onnx_check.py MODEL.onnx [MODEL.onnx ...]

Prints {"onnx": <version>, "irVersion": <max IR>, "maxOpset": <max ai.onnx opset>,
"results": [{"path", "ok", "mode", "error", "notes"}]}.

mode "full": onnx.checker.check_model(path, full_check=True) on the file as is.
It is given a *path* so external data (location/offset/length) is resolved
relative to the model and checked too. That path is a copy in a temporary
folder (model plus the external-data files it references): onnx <= 1.12
implements full_check on a path with infer_shapes_path(path), which writes the
shape-inferred model back over the file it checks. The inputs are hashed
before and after, and a changed input is reported as an error.

mode "compat": the model uses things newer than this onnx release knows
(Debian's python3-onnx 1.12 stops at IR 8 / opset 17: no FP8 or INT4 types,
no block_size/output_dtype/saturate). We then check a lowered copy: IR and
ai.onnx opset clamped to what the checker supports, FP8 element types mapped
to INT8, INT4/UINT4 mapped to INT8/UINT8 (raw data unpacked), and those newer
attributes dropped. Everything else (graph topology, SSA form, node inputs
defined, standard ops and their other attributes, shape inference over the
graph) is still checked. Each change made is listed in "notes".
"""
import hashlib
import json
import os
import shutil
import sys
import tempfile

import onnx
from onnx import checker, helper
from onnx.external_data_helper import _get_all_tensors

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


def external_locations(model):
    locs = []
    for t in _get_all_tensors(model):
        if t.data_location == onnx.TensorProto.EXTERNAL:
            for e in t.external_data:
                if e.key == "location" and e.value not in locs:
                    locs.append(e.value)
    return locs


def digest(paths):
    h = {}
    for p in paths:
        if os.path.isfile(p):
            with open(p, "rb") as f:
                h[p] = hashlib.sha256(f.read()).hexdigest()
    return h


BYTES = {1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 14: 8, 15: 16, 16: 2,
         17: 1, 18: 1, 19: 1, 20: 1, 24: 1}


def check_external_ranges(path, model):
    """onnx 1.12 only checks that the data file exists; check every range too."""
    base = os.path.dirname(os.path.abspath(path))
    for t in _get_all_tensors(model):
        if t.data_location != onnx.TensorProto.EXTERNAL:
            continue
        info = {e.key: e.value for e in t.external_data}
        f = os.path.join(base, info.get("location", ""))
        offset = int(info.get("offset", "0"))
        size = os.path.getsize(f) if os.path.isfile(f) else -1
        length = int(info["length"]) if "length" in info else size - offset
        count = 1
        for d in t.dims:
            count *= d
        want = (count + 1) // 2 if t.data_type in (21, 22, 23) else count * BYTES.get(t.data_type, 0)
        if size >= 0 and offset + length > size:
            raise ValueError(f"external data of {t.name}: offset {offset} + length {length} is past the end of {f} ({size} bytes)")
        if want and length != want:
            raise ValueError(f"external data of {t.name}: length {length}, but {want} bytes expected for dims {list(t.dims)}")


def check_copy(path, model, tmpdir):
    """check_model(full_check=True) on a copy of the model and its external data."""
    base = os.path.dirname(os.path.abspath(path))
    dst = os.path.join(tmpdir, os.path.basename(path))
    shutil.copyfile(path, dst)
    for loc in external_locations(model):
        src = os.path.normpath(os.path.join(base, loc))
        target = os.path.normpath(os.path.join(tmpdir, loc))
        # Unsafe or missing locations are left for the checker to report.
        if os.path.isabs(loc) or not target.startswith(tmpdir + os.sep) or not os.path.isfile(src):
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(src, target)
    checker.check_model(dst, full_check=True)


def check(path):
    res = {"path": path, "ok": False, "mode": "full", "error": None, "notes": []}
    before = {}
    try:
        model = onnx.load(path, load_external_data=False)
        base = os.path.dirname(os.path.abspath(path))
        before = digest([path] + [os.path.join(base, loc) for loc in external_locations(model)])
        check_external_ranges(path, model)
        if not needs_compat(model):
            with tempfile.TemporaryDirectory() as d:
                check_copy(path, model, os.path.realpath(d))
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
    finally:
        if before and digest(list(before)) != before:
            res["ok"] = False
            res["error"] = "the checker modified an input file"
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
