/**
 * Small valid ONNX models for the hostile-input tests, encoded with `onnx-proto` (independent of the
 * codec under test). `richModel()` touches as many message types and field kinds as possible so
 * that mutations of it reach every decoder; `wideModel()` is a plain chain whose structure (not
 * payload) is larger than the wire reader's 64 KB window.
 */
import { onnx } from 'onnx-proto';

const F = onnx.TensorProto.DataType;
const A = onnx.AttributeProto.AttributeType;

function tensorType(elemType: number, dims: (number | string)[]): onnx.ITypeProto {
  return {
    tensorType: {
      elemType,
      shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d, denotation: 'DATA_BATCH' })) },
    },
  };
}

function vi(name: string, type: onnx.ITypeProto): onnx.IValueInfoProto {
  return { name, type, docString: `value ${name}` };
}

function rawFloats(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

/** A subgraph for If/Loop bodies: reads an outer-scope tensor. */
function branch(name: string, outer: string): onnx.IGraphProto {
  return {
    name,
    node: [{ name: `${name}/Identity`, opType: 'Identity', input: [outer], output: [`${name}_out`] }],
    output: [vi(`${name}_out`, tensorType(F.FLOAT, [1, 4]))],
  };
}

export function richModel(): Uint8Array {
  const graph: onnx.IGraphProto = {
    name: 'rich',
    docString: 'a small graph that uses most of the schema',
    input: [vi('x', tensorType(F.FLOAT, ['N', 4])), vi('cond', tensorType(F.BOOL, []))],
    output: [vi('y', tensorType(F.FLOAT, [1, 4])), vi('z', tensorType(F.FLOAT, [1, 4]))],
    valueInfo: [
      vi('h', tensorType(F.FLOAT, ['N', 4])),
      vi('seq', { sequenceType: { elemType: tensorType(F.FLOAT, [2]) } }),
      vi('map', { mapType: { keyType: F.INT64, valueType: tensorType(F.FLOAT, [3]) } }),
      vi('opt', { optionalType: { elemType: tensorType(F.INT8, [1]) } }),
      vi('sp', { sparseTensorType: { elemType: F.FLOAT, shape: { dim: [{ dimValue: 8 }] } } }),
    ],
    initializer: [
      { name: 'w', dims: [4, 4], dataType: F.FLOAT, rawData: rawFloats([...Array(16).keys()].map((i) => i / 7)) },
      { name: 'b', dims: [4], dataType: F.FLOAT, floatData: [0.5, -1, 2, 3.25] },
      { name: 'shape', dims: [2], dataType: F.INT64, int64Data: [1, -1] },
      { name: 'i32', dims: [3], dataType: F.INT32, int32Data: [7, -8, 9] },
      { name: 'd', dims: [2], dataType: F.DOUBLE, doubleData: [1.5, -2.5] },
      { name: 'u64', dims: [2], dataType: F.UINT64, uint64Data: [1, 2] },
      { name: 'str', dims: [2], dataType: F.STRING, stringData: [new TextEncoder().encode('ab'), new Uint8Array([0xff, 0])] },
      {
        name: 'ext', dims: [4], dataType: F.FLOAT, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [{ key: 'location', value: 'rich.onnx.data' }, { key: 'offset', value: '0' }, { key: 'length', value: '16' }],
      },
      { name: 'seg', dims: [1], dataType: F.FLOAT, segment: { begin: 0, end: 1 }, floatData: [1] },
    ],
    sparseInitializer: [
      {
        dims: [8],
        values: { name: 'sparse', dims: [2], dataType: F.FLOAT, floatData: [1, 2] },
        indices: { name: 'sparse_idx', dims: [2], dataType: F.INT64, int64Data: [1, 5] },
      },
    ],
    node: [
      {
        name: 'mm', opType: 'Gemm', input: ['x', 'w', 'b'], output: ['h'], docString: 'matmul',
        attribute: [
          { name: 'alpha', type: A.FLOAT, f: 1.5 },
          { name: 'transB', type: A.INT, i: 1 },
          { name: 'label', type: A.STRING, s: new TextEncoder().encode('héllo') },
          { name: 'fs', type: A.FLOATS, floats: [0.25, -4] },
          { name: 'is', type: A.INTS, ints: [1, -2, 300000, 2 ** 40] },
          { name: 'ss', type: A.STRINGS, strings: [new Uint8Array([1, 2]), new Uint8Array(0)] },
          { name: 't', type: A.TENSOR, t: { dims: [1], dataType: F.INT8, rawData: new Uint8Array([0x80]) } },
          { name: 'ts', type: A.TENSORS, tensors: [{ dims: [0], dataType: F.FLOAT }] },
          { name: 'tp', type: A.TYPE_PROTO, tp: tensorType(F.FLOAT16, [2, 'k']) },
          { name: 'tps', type: A.TYPE_PROTOS, typeProtos: [tensorType(F.BFLOAT16, [1])] },
          {
            name: 'sp', type: A.SPARSE_TENSOR,
            sparseTensor: { dims: [4], values: { dims: [1], dataType: F.FLOAT, floatData: [9] }, indices: { dims: [1], dataType: F.INT64, int64Data: [2] } },
          },
          { name: 'ref', type: A.INT, refAttrName: 'outer_attr', docString: 'reference attribute' },
        ],
      },
      { name: 'relu', opType: 'Relu', input: ['h'], output: ['r'], domain: '' },
      {
        name: 'if', opType: 'If', input: ['cond'], output: ['y'],
        attribute: [
          { name: 'then_branch', type: A.GRAPH, g: branch('then', 'r') },
          { name: 'else_branch', type: A.GRAPH, g: branch('else', 'x') },
        ],
      },
      {
        name: 'scan', opType: 'Scan', domain: 'com.example', input: ['r'], output: ['z'],
        attribute: [{ name: 'bodies', type: A.GRAPHS, graphs: [branch('body0', 'h'), branch('body1', 'r')] }],
      },
    ],
    quantizationAnnotation: [{ tensorName: 'h', quantParameterTensorNames: [{ key: 'SCALE_TENSOR', value: 'b' }] }],
  };
  const model: onnx.IModelProto = {
    irVersion: 8,
    producerName: 'hostile-test',
    producerVersion: '1.0',
    domain: 'org.example',
    modelVersion: 3,
    docString: 'rich model for mutation tests',
    opsetImport: [{ domain: '', version: 13 }, { domain: 'com.example', version: 1 }],
    metadataProps: [{ key: 'stride', value: '32' }, { key: 'names', value: '{0: a}' }],
    graph,
    trainingInfo: [
      {
        initialization: { name: 'init', node: [{ opType: 'Constant', output: ['c0'], attribute: [{ name: 'value_float', type: A.FLOAT, f: 0 }] }], output: [vi('c0', tensorType(F.FLOAT, []))] },
        initializationBinding: [{ key: 'w', value: 'c0' }],
      },
    ],
    functions: [
      {
        name: 'MyRelu', domain: 'com.example', input: ['a'], output: ['b'], attribute: ['alpha'],
        node: [{ opType: 'Relu', input: ['a'], output: ['b'] }],
        opsetImport: [{ domain: '', version: 13 }],
        docString: 'a function',
      },
    ],
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

/** A chain of `n` Relu nodes with long names: its structure alone is larger than 64 KB for n >= 600. */
export function wideModel(n = 1200, weightBytes = 0): Uint8Array {
  const node: onnx.INodeProto[] = [];
  let prev = 'input';
  for (let i = 0; i < n; i++) {
    const out = `/model.${i}/block/act/Relu_output_0`;
    node.push({ name: `/model.${i}/block/act/Relu`, opType: i % 3 === 0 ? 'Relu' : 'Sigmoid', input: [prev], output: [out], attribute: i % 5 === 0 ? [{ name: 'alpha', type: A.FLOAT, f: 0.1 }] : [] });
    prev = out;
  }
  const initializer: onnx.ITensorProto[] = [];
  if (weightBytes > 0) {
    const count = Math.ceil(weightBytes / 4);
    const raw = new Uint8Array(count * 4);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 31) & 0xff;
    initializer.push({ name: 'weight', dims: [count], dataType: F.FLOAT, rawData: raw });
  }
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'wide',
        node,
        initializer,
        input: [vi('input', tensorType(F.FLOAT, [1, 8]))],
        output: [vi(prev, tensorType(F.FLOAT, [1, 8]))],
      },
    }),
  ).finish();
}

/** A minimal model with the given nodes (names of inputs/outputs as given), for graph-level cases. */
export function graphModel(g: onnx.IGraphProto): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }], graph: g })).finish();
}

export { onnx };
