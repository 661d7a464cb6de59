/**
 * The reference implementation's own corpus. The installed onnx package (Debian's python3-onnx)
 * writes its backend test cases, about 950 models covering every operator up to its newest opset,
 * IR 3 to 8, with subgraphs, sequences, optionals, raw and typed-field tensors, plus their test
 * data files; it also says what it reads in each (test/support/onnx_reference_corpus.py). Every
 * model must open from its file, index without problems, summarise as onnx reads it and
 * round-trip byte for byte (clean, and re-serialised with every message dirty), and every tensor,
 * in the models and in the TensorProto test data files, must read to the values numpy gives. What
 * the extension does with every model it opens (analysis, graph view) must cope with all of them.
 *
 * Needs /usr/bin/python3 with onnx (the setup script installs it); without it the tests are
 * skipped and say so.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeModel } from '../../../src/core/analysis/engine';
import { buildGraphIndex, summarizeModel } from '../../../src/core/graph/index';
import { buildViewGraph } from '../../../src/core/graphView/buildViewGraph';
import {
  type DecodedModel, type Graph, type Tensor, decodeModel, encodeModelToBytes, MemorySource, openModelFile, readTensorBytes,
} from '../../../src/core/onnx/index';
import { repoRoot } from '../../support/fixtures';
import { makeTempDir } from '../../support/tempDir';
import { bytesField, concatBytes, markAllDirty, varintField } from './protoHelpers';

const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import onnx, numpy'], { encoding: 'utf8' });
const skip = probe.status === 0 ? false : `${PYTHON} cannot import onnx and numpy (python3-onnx): the reference corpus tests are skipped`;
if (skip) console.log(`[onnxReferenceCorpus] ${skip}`);

interface TensorRef {
  key: string;
  name: string;
  dataType: number;
  dims: number[];
  sha256: string | null;
}
interface ValueRef {
  name: string;
  dtype: string;
  shape: (number | string | null)[] | null;
}
interface ModelRef {
  file: string;
  irVersion: number;
  producerName: string;
  graphName: string;
  opsetImports: { domain: string; version: number }[];
  nodeCount: number;
  initializerCount: number;
  sparseInitializerCount: number;
  functionCount: number;
  subgraphCount: number;
  opTypeCounts: Record<string, number>;
  inputs: ValueRef[];
  outputs: ValueRef[];
  tensors: TensorRef[];
}
interface Reference {
  onnx: string;
  models: ModelRef[];
  dataFiles: TensorRef[];
}

/** Every tensor held in a graph, keyed as the python side keys them. */
function tensorsOf(g: Graph, prefix: string, out: Map<string, Tensor>): Map<string, Tensor> {
  g.initializer.forEach((t, i) => out.set(`${prefix}initializer[${i}]`, t));
  g.node.forEach((n, i) =>
    n.attribute.forEach((a, j) => {
      const at = `${prefix}node[${i}].attribute[${j}]`;
      if (a.t) out.set(`${at}.t`, a.t);
      a.tensors.forEach((t, k) => out.set(`${at}.tensors[${k}]`, t));
      if (a.g) tensorsOf(a.g, `${at}.g.`, out);
      a.graphs.forEach((sg, k) => tensorsOf(sg, `${at}.graphs[${k}].`, out));
    }),
  );
  return out;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Differences between a tensor and onnx's reading of it ('' when none). */
function compareTensor(d: DecodedModel, t: Tensor, ref: TensorRef): string {
  if (t.dataType !== ref.dataType) return `data type ${t.dataType}, onnx ${ref.dataType}`;
  const dims = t.dims.map(Number);
  if (JSON.stringify(dims) !== JSON.stringify(ref.dims)) return `dims ${JSON.stringify(dims)}, onnx ${JSON.stringify(ref.dims)}`;
  if (ref.sha256 === null) return '';
  const got = sha256(readTensorBytes(d, t));
  return got === ref.sha256 ? '' : 'values differ from numpy_helper.to_array';
}

/** A TensorProto file as the single initializer of a ModelProto (ir_version 8), for the decoder. */
function wrapTensor(tensor: Uint8Array): Uint8Array {
  return concatBytes(varintField(1, 8), bytesField(7, bytesField(5, tensor)));
}

/** Fails with the first few of `failures` (and how many there were). */
function assertNone(failures: string[], what: string): void {
  assert.deepEqual(failures.slice(0, 10), [], `${failures.length} ${what}`);
}

describe('onnx reference corpus (python3-onnx backend test cases)', { skip }, () => {
  let dir = '';
  let ref: Reference;

  before(() => {
    dir = makeTempDir('qdq-onnx-reference');
    const run = spawnSync(PYTHON, [path.join(repoRoot, 'test', 'support', 'onnx_reference_corpus.py'), dir], { encoding: 'utf8', timeout: 180_000, maxBuffer: 64 << 20 });
    assert.equal(run.status, 0, `onnx_reference_corpus.py failed: ${run.error?.message ?? run.stderr.slice(-2000)}`);
    ref = JSON.parse(fs.readFileSync(path.join(dir, 'reference.json'), 'utf8')) as Reference;
    console.log(`[onnxReferenceCorpus] onnx ${ref.onnx}: ${ref.models.length} models, ${ref.dataFiles.length} TensorProto test data files`);
  });

  test('onnx wrote its corpus: hundreds of models over IR 3 to 8, thousands of test data tensors of every common type', () => {
    assert.ok(ref.models.length >= 900, `${ref.models.length} models`);
    const irs = new Set(ref.models.map((m) => m.irVersion));
    for (const ir of [3, 4, 5, 6, 7, 8]) assert.ok(irs.has(ir), `no IR ${ir} model`);
    assert.ok(ref.models.filter((m) => m.subgraphCount > 0).length >= 15, 'models with If/Loop/Scan subgraphs');
    assert.ok(ref.dataFiles.length >= 2500, `${ref.dataFiles.length} data files`);
    assert.ok(new Set(ref.dataFiles.map((t) => t.dataType)).size >= 12, 'data types among the test data');
  });

  test('every model opens from its file, indexes without problems and summarises as onnx reads it', () => {
    const failures: string[] = [];
    for (const m of ref.models) {
      const file = path.join(dir, m.file);
      let d: DecodedModel | undefined;
      try {
        d = openModelFile(file);
        const index = buildGraphIndex(d.model.graph!);
        const s = summarizeModel(d, index);
        const got = {
          irVersion: s.irVersion, producerName: s.producerName, graphName: s.graphName, opsetImports: s.opsetImports, nodeCount: s.nodeCount,
          initializerCount: s.initializerCount, sparseInitializerCount: s.sparseInitializerCount, functionCount: s.functionCount,
          subgraphCount: s.subgraphCount, opTypeCounts: s.opTypeCounts, inputs: s.inputs, outputs: s.outputs,
        };
        const want: Omit<ModelRef, 'file' | 'tensors'> & { file?: string; tensors?: TensorRef[] } = { ...m };
        delete want.file;
        delete want.tensors;
        assert.deepEqual(got, want);
        if (index.problems.length) failures.push(`${m.file}: ${index.problems.map((p) => p.message).join('; ')}`);
      } catch (e) {
        failures.push(`${m.file}: ${(e as Error).message.split('\n').slice(0, 6).join(' ')}`);
      } finally {
        d?.source.close?.();
      }
    }
    assertNone(failures, 'models differ from onnx or have problems');
  });

  test('every model round-trips byte for byte, clean and re-serialised with every message dirty', () => {
    const failures: string[] = [];
    for (const m of ref.models) {
      const bytes = fs.readFileSync(path.join(dir, m.file));
      const clean = decodeModel(new MemorySource(bytes, m.file));
      if (!Buffer.from(encodeModelToBytes(clean)).equals(bytes)) failures.push(`${m.file}: clean round trip differs`);
      // onnx writes canonical protobuf (schema order, packed repeated numbers as proto3 does), so
      // a full re-serialisation gives the same bytes: a wrong field number, wire type or order in
      // the codec's tables shows up here, for every attribute kind the operators use.
      const dirty = decodeModel(new MemorySource(bytes, m.file));
      markAllDirty(dirty.model);
      if (!Buffer.from(encodeModelToBytes(dirty)).equals(bytes)) failures.push(`${m.file}: re-serialised bytes differ`);
    }
    assertNone(failures, 'models do not round-trip');
  });

  test('every tensor in the models reads to the values onnx gives (initializers, TENSOR and TENSORS attributes, subgraphs)', () => {
    const failures: string[] = [];
    let hashed = 0;
    for (const m of ref.models) {
      if (!m.tensors.length) continue;
      const d = decodeModel(new MemorySource(fs.readFileSync(path.join(dir, m.file)), m.file));
      const ours = tensorsOf(d.model.graph!, 'graph.', new Map());
      assert.equal(ours.size, m.tensors.length, `${m.file}: tensor count`);
      for (const t of m.tensors) {
        const mine = ours.get(t.key);
        const diff = mine ? compareTensor(d, mine, t) : 'not found';
        if (diff) failures.push(`${m.file} ${t.key} '${t.name}': ${diff}`);
        if (t.sha256 !== null) hashed++;
      }
    }
    assertNone(failures, 'tensors differ');
    assert.ok(hashed >= 250, `${hashed} tensors compared by value`);
  });

  test('the analysis and the graph view take every model: each operator drawn once in the raw view', () => {
    const failures: string[] = [];
    for (const m of ref.models) {
      const d = decodeModel(new MemorySource(fs.readFileSync(path.join(dir, m.file)), m.file));
      try {
        const index = buildGraphIndex(d.model.graph!);
        const report = analyzeModel(d, index);
        assert.ok(Array.isArray(report.findings));
        const raw = buildViewGraph(d, { index, mode: 'raw', constants: 'nodes' });
        const drawn = raw.nodes.filter((n) => n.kind === undefined).map((n) => n.node).sort((a, b) => a! - b!);
        assert.deepEqual(drawn, Array.from({ length: m.nodeCount }, (_, i) => i));
        buildViewGraph(d, { index });
      } catch (e) {
        failures.push(`${m.file}: ${(e as Error).message.split('\n').slice(0, 4).join(' ')}`);
      }
    }
    assertNone(failures, 'models fail in the analysis or the graph view');
  });

  test('every TensorProto test data file reads to the values onnx gives', () => {
    const failures: string[] = [];
    const types = new Set<number>();
    for (const t of ref.dataFiles) {
      const d = decodeModel(new MemorySource(wrapTensor(fs.readFileSync(path.join(dir, t.key))), t.key));
      const diff = compareTensor(d, d.model.graph!.initializer[0]!, t);
      if (diff) failures.push(`${t.key}: ${diff}`);
      else if (t.sha256 !== null) types.add(t.dataType);
    }
    assertNone(failures, 'test data tensors differ');
    assert.ok(types.size >= 11, `value-checked data types: ${[...types].sort((a, b) => a - b).join(', ')}`);
  });
});
