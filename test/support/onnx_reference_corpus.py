#!/usr/bin/env python3
"""Write the installed onnx package's own backend test corpus, and what onnx reads in it.

Usage: /usr/bin/python3 onnx_reference_corpus.py OUTDIR

1. `python -m onnx.backend.test.cmd_tools generate-data -o OUTDIR`: every node and model test case
   of the installed onnx (Debian's 1.12: about 950 models, every operator up to opset 17, with
   subgraphs, sequences, optionals, sparse and typed-field tensors), each with its test data sets
   (TensorProto, SequenceProto, ... files).
2. OUTDIR/reference.json: for every model.onnx, what onnx itself parses (the counts, names, types
   and shapes QDQ Studio's summary reports) and, for every tensor held in the model (initializers,
   TENSOR and TENSORS attributes, in subgraphs too) and every TensorProto test data file, its type,
   dims and the SHA-256 of its values as numpy_helper.to_array gives them, little-endian. Tensors
   whose numpy form is not their raw layout (STRING, BFLOAT16 widened to float32) get no hash.

onnx 1.12's case modules still use numpy aliases removed in numpy 1.24 (np.float, np.bool, ...);
they are put back before the cases are imported, as they were (aliases of the builtins).
"""
import hashlib
import json
import os
import runpy
import sys
import warnings

import numpy as np

warnings.simplefilter("ignore")
for alias, builtin in {"float": float, "int": int, "bool": bool, "object": object, "complex": complex, "str": str}.items():
    if alias not in np.__dict__:
        setattr(np, alias, builtin)

import onnx  # noqa: E402
from onnx import numpy_helper  # noqa: E402
from onnx import TensorProto  # noqa: E402

NO_HASH = {TensorProto.STRING, TensorProto.BFLOAT16, TensorProto.UNDEFINED}


def dtype_name(code):
    try:
        return TensorProto.DataType.Name(code)
    except ValueError:
        return "UNKNOWN(%d)" % code


def tensor_record(key, t):
    rec = {"key": key, "name": t.name, "dataType": t.data_type, "dims": [int(d) for d in t.dims], "sha256": None}
    if t.data_type not in NO_HASH:
        arr = numpy_helper.to_array(t)
        rec["sha256"] = hashlib.sha256(arr.astype(arr.dtype.newbyteorder("<")).tobytes()).hexdigest()
    return rec


def type_label(tp):
    which = tp.WhichOneof("value")
    return {"sequence_type": "sequence", "map_type": "map", "optional_type": "optional"}.get(which, "")


def value_summary(v):
    tp = v.type
    which = tp.WhichOneof("value")
    if which in ("tensor_type", "sparse_tensor_type"):
        tt = getattr(tp, which)
        shape = None
        if tt.HasField("shape"):
            shape = []
            for d in tt.shape.dim:
                if d.HasField("dim_value"):
                    shape.append(int(d.dim_value))
                elif d.HasField("dim_param") and d.dim_param != "":
                    shape.append(d.dim_param)
                else:
                    shape.append(None)
        return {"name": v.name, "dtype": dtype_name(tt.elem_type), "shape": shape}
    return {"name": v.name, "dtype": type_label(tp), "shape": None}


def walk_tensors(g, prefix, out):
    for i, t in enumerate(g.initializer):
        out.append(tensor_record("%sinitializer[%d]" % (prefix, i), t))
    for i, n in enumerate(g.node):
        for j, a in enumerate(n.attribute):
            at = "%snode[%d].attribute[%d]" % (prefix, i, j)
            if a.HasField("t"):
                out.append(tensor_record(at + ".t", a.t))
            for k, t in enumerate(a.tensors):
                out.append(tensor_record("%s.tensors[%d]" % (at, k), t))
            if a.HasField("g"):
                walk_tensors(a.g, at + ".g.", out)
            for k, sg in enumerate(a.graphs):
                walk_tensors(sg, "%s.graphs[%d]." % (at, k), out)


def count_subgraphs(g):
    n = 0
    for node in g.node:
        for a in node.attribute:
            if a.HasField("g"):
                n += 1 + count_subgraphs(a.g)
            for sg in a.graphs:
                n += 1 + count_subgraphs(sg)
    return n


def model_record(rel, m):
    g = m.graph
    init = {t.name for t in g.initializer}
    ops = {}
    for n in g.node:
        # qdq info's key: the op type, prefixed with its domain outside the default one.
        key = n.op_type if n.domain in ("", "ai.onnx") else "%s::%s" % (n.domain, n.op_type)
        ops[key] = ops.get(key, 0) + 1
    tensors = []
    walk_tensors(g, "graph.", tensors)
    return {
        "file": rel,
        "irVersion": m.ir_version,
        "producerName": m.producer_name,
        "graphName": g.name,
        "opsetImports": [{"domain": o.domain or "ai.onnx", "version": o.version} for o in m.opset_import],
        "nodeCount": len(g.node),
        "initializerCount": len(g.initializer),
        "sparseInitializerCount": len(g.sparse_initializer),
        "functionCount": len(m.functions),
        "subgraphCount": count_subgraphs(g),
        "opTypeCounts": ops,
        "inputs": [value_summary(v) for v in g.input if v.name not in init],
        "outputs": [value_summary(v) for v in g.output],
        "tensors": tensors,
    }


def main():
    out = os.path.abspath(sys.argv[1])
    sys.argv = ["cmd_tools", "generate-data", "-o", out]
    runpy.run_module("onnx.backend.test.cmd_tools", run_name="__main__")
    models, data = [], []
    for root, dirs, files in os.walk(out):
        dirs.sort()
        if "model.onnx" not in files:
            continue
        m = onnx.load(os.path.join(root, "model.onnx"))
        models.append(model_record(os.path.relpath(os.path.join(root, "model.onnx"), out), m))
        tensor_inputs = [v.type.HasField("tensor_type") for v in m.graph.input]
        tensor_outputs = [v.type.HasField("tensor_type") for v in m.graph.output]
        for sub in sorted(dirs):
            if not sub.startswith("test_data_set_"):
                continue
            for f in sorted(os.listdir(os.path.join(root, sub))):
                kind, _, idx = f[:-3].partition("_")
                flags = tensor_inputs if kind == "input" else tensor_outputs
                if not f.endswith(".pb") or not idx.isdigit() or int(idx) >= len(flags) or not flags[int(idx)]:
                    continue  # sequences, maps, optionals: not TensorProto files
                t = TensorProto()
                with open(os.path.join(root, sub, f), "rb") as fh:
                    t.ParseFromString(fh.read())
                data.append(tensor_record(os.path.relpath(os.path.join(root, sub, f), out), t))
    ref = {"onnx": onnx.__version__, "models": models, "dataFiles": data}
    with open(os.path.join(out, "reference.json"), "w") as fh:
        json.dump(ref, fh)
    print(json.dumps({"onnx": onnx.__version__, "models": len(models), "dataFiles": len(data)}))


if __name__ == "__main__":
    main()
