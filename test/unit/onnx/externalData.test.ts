/**
 * External data: lazy resolution relative to the model, clear errors naming the data file, refused
 * escapes (POSIX and Windows spellings, symbolic links leading out), and a builder model saved
 * with external data read back tensor by tensor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { makeTempDir } from '../../support/tempDir';
import * as path from 'node:path';
import {
  DataLocation, decodeModel, detachedDataFiles, externalDataStatus, type FileReader, MemorySource, nodeFileReader, openModelFile, readTensorBytes, readTensorValues, resolveExternalData,
  saveModelFile, TensorDataError, tensorByteLength,
} from '../../../src/core/onnx/index';
import { summarizeModel } from '../../../src/core/graph/index';
import { GraphView, YOLO_PRESETS, yoloLike } from '../../support/modelBuilder';
import { encodeModelProto, externalTensor, onnx, vi } from './protoHelpers';
import { main as qdq } from '../../../src/cli/qdq';

/** Element values as plain numbers (bigint types included). */
const nums = (v: ArrayLike<number | bigint>): number[] => Array.from(v, Number);

const FLOAT = onnx.TensorProto.DataType.FLOAT;

function tmpDir(): string {
  return makeTempDir('qdq-ext-');
}

/**
 * Model with three external initializers in one data file (+ one inline), like onnx's save_as_external_data.
 * The data file goes to `location` in `dir`, or to `dataAt` (relative to `dir`) when given.
 */
function writeExternalModel(dir: string, location = 'weights.bin', options: { truncateData?: number; omitData?: boolean; dataAt?: string } = {}) {
  const a = new Float32Array(Array.from({ length: 64 }, (_, i) => i * 0.5));
  const b = new Float32Array(Array.from({ length: 16 }, (_, i) => -i));
  const c = new Int8Array(Array.from({ length: 10 }, (_, i) => i - 5));
  const data = Buffer.alloc(4096 + b.byteLength);
  Buffer.from(a.buffer).copy(data, 0);
  Buffer.from(c.buffer).copy(data, 256);
  Buffer.from(b.buffer).copy(data, 4096); // aligned offset, as onnx does for large tensors
  const ext = (offset: number, length: number) => [
    { key: 'location', value: location },
    { key: 'offset', value: String(offset) },
    { key: 'length', value: String(length) },
  ];
  const model = encodeModelProto({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'ext',
      input: [vi('x', [64])],
      output: [vi('y', [64])],
      initializer: [
        { name: 'a', dims: [64], dataType: FLOAT, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL, externalData: ext(0, a.byteLength) },
        { name: 'c', dims: [10], dataType: onnx.TensorProto.DataType.INT8, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL, externalData: ext(256, c.byteLength) },
        { name: 'b', dims: [4, 4], dataType: FLOAT, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL, externalData: ext(4096, b.byteLength) },
        { name: 'inline', dims: [2], dataType: FLOAT, rawData: new Uint8Array(new Float32Array([1.5, 2.5]).buffer) },
      ],
      node: [{ name: 'add', opType: 'Add', input: ['x', 'a'], output: ['y'] }],
    },
  });
  const modelPath = path.join(dir, 'model.onnx');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(modelPath, model);
  if (!options.omitData) {
    const dataPath = path.join(dir, options.dataAt ?? location);
    fs.mkdirSync(path.dirname(dataPath), { recursive: true });
    fs.writeFileSync(dataPath, options.truncateData !== undefined ? data.subarray(0, options.truncateData) : data);
  }
  return { modelPath, a, b, c };
}

test('external tensors are read one by one, relative to the model file', () => {
  const dir = tmpDir();
  const { modelPath, a, b, c } = writeExternalModel(dir);
  const d = openModelFile(modelPath);
  const [ta, tc, tb, ti] = d.model.graph!.initializer;
  assert.deepEqual(nums(readTensorValues(d, ta!)), Array.from(a));
  assert.deepEqual(nums(readTensorValues(d, tc!)), Array.from(c));
  assert.deepEqual(nums(readTensorValues(d, tb!)), Array.from(b));
  assert.deepEqual(nums(readTensorValues(d, ti!)), [1.5, 2.5]);
  assert.equal(tensorByteLength(tb!), 64);
  const info = resolveExternalData(tb!, modelPath);
  assert.equal(info.path, path.join(dir, 'weights.bin'));
  assert.equal(info.offset, 4096);
  const s = summarizeModel(d);
  assert.deepEqual(s.externalDataFiles, ['weights.bin']);
  assert.equal(s.initializerBytes, 256 + 10 + 64 + 8);
  d.source.close?.();
});

test('opening never reads the data file: a missing data file is reported only when a tensor is read, naming it', () => {
  const dir = tmpDir();
  const { modelPath } = writeExternalModel(dir, 'sub/weights.bin', { omitData: true });
  const d = openModelFile(modelPath); // no throw
  assert.equal(d.model.graph!.initializer.length, 4);
  assert.throws(() => readTensorValues(d, d.model.graph!.initializer[0]!), (e: unknown) => {
    assert.ok(e instanceof TensorDataError);
    assert.match(e.message, /sub\/weights\.bin/);
    assert.match(e.message, /model\.onnx/);
    assert.match(e.message, /does not exist/);
    return true;
  });
  // the inline tensor still reads
  assert.deepEqual(nums(readTensorValues(d, d.model.graph!.initializer[3]!)), [1.5, 2.5]);
});

test('a short data file is reported with the byte range it lacks', () => {
  const dir = tmpDir();
  const { modelPath } = writeExternalModel(dir, 'weights.bin', { truncateData: 4100 });
  const d = openModelFile(modelPath);
  assert.deepEqual(readTensorValues(d, d.model.graph!.initializer[0]!).length, 64); // first tensor is complete
  assert.throws(() => readTensorValues(d, d.model.graph!.initializer[2]!), /weights\.bin' is too short: needs bytes 4096\.\.4160, file has 4100/);
});

/** A FileReader that fails the test if anything is read: refused locations never reach the disk. */
const untouchable: FileReader = {
  size(file) {
    assert.fail(`size(${file}) was called for a refused location`);
  },
  read(file) {
    assert.fail(`read(${file}) was called for a refused location`);
  },
  realPath(file) {
    assert.fail(`realPath(${file}) was called for a refused location`);
  },
};

const ABSOLUTE = /is an absolute path; only paths inside the model's folder are allowed/;
const DRIVE = /names a drive; only paths inside the model's folder are allowed/;
const ESCAPES = /escapes the model's folder/;

/** Locations refused whatever the platform, POSIX and Windows spellings alike, with the reason given. */
const refusedLocations: [location: string, reason: RegExp][] = [
  ['/abs/w.bin', ABSOLUTE],
  ['/etc/passwd', ABSOLUTE],
  ['\\\\server\\share\\w.bin', ABSOLUTE], // UNC
  ['//server/share/w.bin', ABSOLUTE],
  ['\\w.bin', ABSOLUTE], // rooted on the current drive
  ['C:\\weights.bin', DRIVE],
  ['c:/w.bin', DRIVE],
  ['C:w.bin', DRIVE], // drive-relative
  ['..', ESCAPES],
  ['../w.bin', ESCAPES],
  ['../../etc/passwd', ESCAPES],
  ['./../w.bin', ESCAPES],
  ['sub/../../w.bin', ESCAPES],
  ['..\\w.bin', ESCAPES],
  ['sub\\..\\..\\w.bin', ESCAPES],
  ['sub/..\\..\\w.bin', ESCAPES],
];

for (const [bad, reason] of refusedLocations) {
  test(`external data location '${bad}' is refused, naming the location and the model`, () => {
    const dir = tmpDir();
    const { modelPath } = writeExternalModel(dir, 'weights.bin');
    const d = openModelFile(modelPath);
    const t = d.model.graph!.initializer[0]!;
    t.externalData.find((e) => e.key === 'location')!.value = bad;
    const refusal = (e: unknown) => {
      assert.ok(e instanceof TensorDataError);
      assert.match(e.message, reason);
      assert.ok(e.message.includes(`location '${bad}'`), e.message);
      assert.ok(e.message.startsWith(`${modelPath}: cannot read tensor 'a': `), e.message);
      return true;
    };
    assert.throws(() => resolveExternalData(t, modelPath), refusal);
    assert.throws(() => readTensorValues(d, t, untouchable), refusal);
    assert.throws(() => readTensorValues(d, t), refusal);
    d.source.close?.();
  });
}

/** Locations inside the model's folder, read where they lead. */
for (const good of ['sub/w.bin', './w.bin', 'sub/./w.bin', 'sub/../w.bin', 'w..bin', '..w.bin', 'sub/w..bin']) {
  test(`external data location '${good}' is read from inside the model's folder`, () => {
    const dir = tmpDir();
    const { modelPath, a, b, c } = writeExternalModel(dir, good);
    const d = openModelFile(modelPath);
    const [ta, tc, tb] = d.model.graph!.initializer;
    assert.equal(resolveExternalData(ta!, modelPath).path, path.join(dir, good));
    assert.deepEqual(nums(readTensorValues(d, ta!)), Array.from(a));
    assert.deepEqual(nums(readTensorValues(d, tc!)), Array.from(c));
    assert.deepEqual(nums(readTensorValues(d, tb!)), Array.from(b));
    d.source.close?.();
  });
}

// Symbolic links: a location that is lexically inside the folder but is, or passes through, a link
// leading out of it is refused when the tensor is read; links that stay inside are followed.
const noSymlinks = process.platform === 'win32' ? 'symbolic links need extra rights on Windows' : false;

function assertLinkRefused(modelPath: string, location: string): void {
  const d = openModelFile(modelPath); // opening never looks at the data file, link or not
  try {
    assert.throws(() => readTensorValues(d, d.model.graph!.initializer[0]!), (e: unknown) => {
      assert.ok(e instanceof TensorDataError);
      assert.ok(e.message.startsWith(`${modelPath}: cannot read tensor 'a': `), e.message);
      assert.ok(e.message.includes(`location '${location}' leads through a symbolic link out of the model's folder`), e.message);
      return true;
    });
    // the inline tensor still reads
    assert.deepEqual(nums(readTensorValues(d, d.model.graph!.initializer[3]!)), [1.5, 2.5]);
  } finally {
    d.source.close?.();
  }
}

test('a data file that is a symbolic link to a file outside the model folder is refused', { skip: noSymlinks }, () => {
  const root = tmpDir();
  const modelDir = path.join(root, 'model');
  // The data file itself is fine: the same model reads it when it sits outside, next to the target.
  const { modelPath } = writeExternalModel(modelDir, 'w.bin', { dataAt: '../outside/w.bin' });
  const control = writeExternalModel(path.join(root, 'outside'), 'w.bin', { omitData: true });
  const c = openModelFile(control.modelPath);
  assert.deepEqual(nums(readTensorValues(c, c.model.graph!.initializer[0]!)), Array.from(control.a));
  c.source.close?.();

  fs.symlinkSync('../outside/w.bin', path.join(modelDir, 'w.bin')); // relative target
  assertLinkRefused(modelPath, 'w.bin');
  fs.unlinkSync(path.join(modelDir, 'w.bin'));
  fs.symlinkSync(path.join(root, 'outside', 'w.bin'), path.join(modelDir, 'w.bin')); // absolute target
  assertLinkRefused(modelPath, 'w.bin');
});

test('a data file reached through a linked folder outside the model folder is refused', { skip: noSymlinks }, () => {
  const root = tmpDir();
  const modelDir = path.join(root, 'model');
  const { modelPath } = writeExternalModel(modelDir, 'sub/w.bin', { dataAt: '../outside/w.bin' });
  fs.symlinkSync(path.join(root, 'outside'), path.join(modelDir, 'sub'));
  assertLinkRefused(modelPath, 'sub/w.bin');
});

test('a dangling symbolic link is reported as a missing data file', { skip: noSymlinks }, () => {
  const dir = tmpDir();
  const { modelPath } = writeExternalModel(dir, 'w.bin', { omitData: true });
  fs.symlinkSync('nowhere.bin', path.join(dir, 'w.bin'));
  const d = openModelFile(modelPath);
  assert.throws(() => readTensorValues(d, d.model.graph!.initializer[0]!), /external data file 'w\.bin' .* does not exist or cannot be read/);
  d.source.close?.();
});

test('symbolic links that stay inside the model folder are followed', { skip: noSymlinks }, () => {
  const root = tmpDir();
  const modelDir = path.join(root, 'model');
  // A file link and a folder link, both to places inside the model's folder.
  const { modelPath, a, b, c } = writeExternalModel(modelDir, 'w.bin', { dataAt: 'real/w.bin' });
  fs.symlinkSync('real/w.bin', path.join(modelDir, 'w.bin'));
  fs.symlinkSync(path.join(modelDir, 'real'), path.join(modelDir, 'linked'));
  // The model's folder itself reached through a link: resolved on both sides, so still inside.
  fs.symlinkSync(modelDir, path.join(root, 'alias'));
  for (const [file, location] of [[modelPath, 'w.bin'], [modelPath, 'linked/w.bin'], [path.join(root, 'alias', 'model.onnx'), 'w.bin']] as const) {
    const d = openModelFile(file);
    const [ta, tc, tb] = d.model.graph!.initializer;
    for (const t of [ta!, tc!, tb!]) t.externalData.find((e) => e.key === 'location')!.value = location;
    assert.deepEqual(nums(readTensorValues(d, ta!)), Array.from(a), `${file} ${location}`);
    assert.deepEqual(nums(readTensorValues(d, tc!)), Array.from(c), `${file} ${location}`);
    assert.deepEqual(nums(readTensorValues(d, tb!)), Array.from(b), `${file} ${location}`);
    d.source.close?.();
  }
});

test('a linked model beside its linked data, as in the Hugging Face cache (snapshots/<rev> -> ../../blobs), reads', { skip: noSymlinks }, () => {
  const root = tmpDir();
  const blobs = path.join(root, 'blobs');
  const { modelPath, a } = writeExternalModel(blobs, 'model.onnx_data');
  fs.renameSync(modelPath, path.join(blobs, 'sha-model'));
  fs.renameSync(path.join(blobs, 'model.onnx_data'), path.join(blobs, 'sha-data'));
  const snapshot = path.join(root, 'snapshots', 'rev1');
  fs.mkdirSync(snapshot, { recursive: true });
  fs.symlinkSync('../../blobs/sha-model', path.join(snapshot, 'model.onnx'));
  fs.symlinkSync('../../blobs/sha-data', path.join(snapshot, 'model.onnx_data'));
  const d = openModelFile(path.join(snapshot, 'model.onnx'));
  assert.deepEqual(nums(readTensorValues(d, d.model.graph!.initializer[0]!)), Array.from(a));
  d.source.close?.();
  // The data link still may not lead anywhere else: not below the target's folder...
  fs.mkdirSync(path.join(blobs, 'deeper'));
  fs.renameSync(path.join(blobs, 'sha-data'), path.join(blobs, 'deeper', 'sha-data'));
  fs.unlinkSync(path.join(snapshot, 'model.onnx_data'));
  fs.symlinkSync('../../blobs/deeper/sha-data', path.join(snapshot, 'model.onnx_data'));
  assertLinkRefused(path.join(snapshot, 'model.onnx'), 'model.onnx_data');
  fs.renameSync(path.join(blobs, 'deeper', 'sha-data'), path.join(blobs, 'sha-data'));
  // ...nor beside something else entirely.
  fs.mkdirSync(path.join(root, 'elsewhere'));
  fs.renameSync(path.join(blobs, 'sha-data'), path.join(root, 'elsewhere', 'sha-data'));
  fs.unlinkSync(path.join(snapshot, 'model.onnx_data'));
  fs.symlinkSync('../../elsewhere/sha-data', path.join(snapshot, 'model.onnx_data'));
  assertLinkRefused(path.join(snapshot, 'model.onnx'), 'model.onnx_data');
});

test('a reader without realPath (no links, e.g. in memory) reads without the link check', () => {
  const dir = tmpDir();
  const { modelPath, a } = writeExternalModel(dir, 'w.bin');
  const reads: string[] = [];
  const plain: FileReader = {
    size: (file) => nodeFileReader.size(file),
    read: (file, offset, length) => (reads.push(file), nodeFileReader.read(file, offset, length)),
  };
  const d = openModelFile(modelPath);
  assert.deepEqual(nums(readTensorValues(d, d.model.graph!.initializer[0]!, plain)), Array.from(a));
  assert.deepEqual(reads, [path.join(dir, 'w.bin')]);
  d.source.close?.();
});

test('a link put into the data file\'s path after the check is refused when the file is opened', { skip: noSymlinks }, () => {
  // The swap between checking where the path leads and opening it, made deterministic: a reader
  // whose realPath answers from a stale view (the path as it was, no link) while the disk already
  // has the link. nodeFileReader.read, told the path is resolved, checks the file it opened.
  const root = tmpDir();
  const modelDir = path.join(root, 'model');
  const { a } = writeExternalModel(modelDir, 'w.bin', { dataAt: '../outside/w.bin' });
  fs.symlinkSync(path.join(root, 'outside', 'w.bin'), path.join(modelDir, 'w.bin'));
  const stale: FileReader = { ...nodeFileReader, realPath: (file) => path.resolve(file) };
  const real = fs.realpathSync(modelDir); // the temporary folder may itself sit behind a link (macOS /var)
  const d = openModelFile(path.join(real, 'model.onnx'));
  try {
    assert.throws(() => readTensorValues(d, d.model.graph!.initializer[0]!, stale), (e: unknown) => {
      assert.ok(e instanceof TensorDataError);
      assert.match(e.message, /reading external data file 'w\.bin' failed: the file opened is not .*w\.bin: a symbolic link was put into its path after it was checked/);
      return true;
    });
    // The same reader reads a file that is where its path says.
    fs.unlinkSync(path.join(modelDir, 'w.bin'));
    fs.copyFileSync(path.join(root, 'outside', 'w.bin'), path.join(modelDir, 'w.bin'));
    assert.deepEqual(nums(readTensorValues(d, d.model.graph!.initializer[0]!, stale)), Array.from(a));
  } finally {
    d.source.close?.();
  }
  });

test('saving a model with external data leaves the data file untouched and keeps it readable', () => {
  const dir = tmpDir();
  const { modelPath, b } = writeExternalModel(dir);
  const dataPath = path.join(dir, 'weights.bin');
  const before = fs.readFileSync(dataPath);
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(dataPath, old, old);
  const mtime = fs.statSync(dataPath).mtimeMs;
  const d = openModelFile(modelPath);
  const out = path.join(dir, 'copy.onnx');
  saveModelFile(d, out);
  assert.deepEqual(fs.readFileSync(out), fs.readFileSync(modelPath));
  assert.equal(fs.statSync(dataPath).mtimeMs, mtime);
  assert.deepEqual(fs.readFileSync(dataPath), before);
  const d2 = openModelFile(out);
  assert.deepEqual(nums(readTensorValues(d2, d2.model.graph!.initializer[2]!)), Array.from(b));
});

test('a builder YOLO-like model saved with external data reads tensor by tensor, byte-equal to the same model saved inline', () => {
  const dir = tmpDir();
  const build = () => yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good' });
  const inlinePath = path.join(dir, 'inline', 'model.onnx');
  const extPath = path.join(dir, 'external', 'model.onnx');
  build().writeFile(inlinePath);
  // Tensors of 256 bytes or more go to model.onnx.data; those over 1 KB start at 4 KB boundaries (onnx >= 1.17).
  const written = build().writeFile(extPath, { external: { threshold: 256, align: { granularity: 4096, alignThreshold: 1024 } } });
  const manifest = build().manifest();
  assert.equal(written.dataPath, path.join(dir, 'external', 'model.onnx.data'));

  // Opening never touches the data file: it is not even there.
  const away = `${written.dataPath!}.away`;
  fs.renameSync(written.dataPath!, away);
  const ext = openModelFile(extPath);
  const inline = openModelFile(inlinePath);
  const reference = new GraphView(fs.readFileSync(inlinePath)); // onnx-proto's decode, not ours
  const g = ext.model.graph!;
  assert.equal(g.node.length, manifest.nodeCount);
  assert.deepEqual(g.initializer.map((t) => t.name), inline.model.graph!.initializer.map((t) => t.name));
  assert.equal(g.initializer.length, manifest.initializerCount);

  // The test is not vacuous: many tensors are external (with aligned offsets), some stayed inline.
  const external = g.initializer.filter((t) => t.dataLocation === DataLocation.EXTERNAL);
  const inlineOnes = g.initializer.filter((t) => t.dataLocation !== DataLocation.EXTERNAL);
  assert.ok(external.length >= 10, `${external.length} external initializers`);
  assert.ok(inlineOnes.length >= 1, 'small initializers stay inline');
  assert.ok(external.some((t) => resolveExternalData(t, extPath).offset % 4096 === 0 && resolveExternalData(t, extPath).offset > 0));
  for (const t of external) assert.equal(resolveExternalData(t, extPath).path, written.dataPath);

  // Reading an external tensor now fails, naming the data file and the model; inline ones read.
  assert.throws(() => readTensorBytes(ext, external[0]!), (e: unknown) => {
    assert.ok(e instanceof TensorDataError);
    assert.ok(e.message.startsWith(`${extPath}: cannot read tensor '${external[0]!.name}': `), e.message);
    assert.match(e.message, /external data file 'model\.onnx\.data' \(.*model\.onnx\.data\) does not exist or cannot be read/);
    return true;
  });
  assert.ok(readTensorBytes(ext, inlineOnes[0]!).length > 0);
  fs.renameSync(away, written.dataPath!);

  // Every initializer, from the model opened while the data file was missing.
  const same = (a: Uint8Array, b: Uint8Array | null | undefined, what: string) =>
    assert.ok(Buffer.from(a).equals(Buffer.from(b ?? new Uint8Array())), what);
  for (const [i, t] of g.initializer.entries()) {
    const twin = inline.model.graph!.initializer[i]!;
    const bytes = readTensorBytes(ext, t);
    same(bytes, readTensorBytes(inline, twin), `${t.name}: bytes differ from the inline model's`);
    same(bytes, reference.initializers.get(t.name)!.rawData, `${t.name}: bytes differ from onnx-proto's decode`);
    assert.deepEqual(readTensorValues(ext, t), readTensorValues(inline, twin), `${t.name}: values`);
  }
  // Constant-node value tensors (the builder keeps them inline, as onnx does by default).
  const constants = g.node.filter((n) => n.opType === 'Constant');
  assert.ok(constants.length > 0);
  for (const [i, n] of g.node.entries()) {
    if (n.opType !== 'Constant') continue;
    const value = n.attribute.find((a) => a.name === 'value')!.t!;
    const twin = inline.model.graph!.node[i]!.attribute.find((a) => a.name === 'value')!.t!;
    same(readTensorBytes(ext, value), readTensorBytes(inline, twin), `${n.name}: bytes differ from the inline model's`);
    same(readTensorBytes(ext, value), reference.tensorProto(n.output[0]!)!.rawData, `${n.name}: bytes differ from onnx-proto's decode`);
    assert.deepEqual(readTensorValues(ext, value), readTensorValues(inline, twin), `${n.name}: values`);
  }

  const s = summarizeModel(ext);
  assert.deepEqual(s.externalDataFiles, ['model.onnx.data']);
  assert.equal(s.initializerBytes, manifest.initializerBytes);
  assert.equal(summarizeModel(inline).initializerBytes, manifest.initializerBytes);
  ext.source.close?.();
  inline.source.close?.();
});

// ---- external data status at open (sizes only, never the data) -------------------------------------

/** A FileReader that counts what it is asked, over Node's. */
function countingReader(): FileReader & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    size: (f) => (calls.push(`size ${path.basename(f)}`), nodeFileReader.size(f)),
    realPath: (f) => (calls.push('realPath'), nodeFileReader.realPath!(f)),
    read: (f, o, l, r) => (calls.push(`read ${path.basename(f)}`), nodeFileReader.read(f, o, l, r)),
  };
}

test('external data status: a complete data file is found by its size alone, no data read', () => {
  const dir = tmpDir();
  const { modelPath } = writeExternalModel(dir);
  const d = openModelFile(modelPath);
  const reader = countingReader();
  assert.deepEqual(externalDataStatus(d.model, modelPath, reader), [
    { location: 'weights.bin', path: path.join(dir, 'weights.bin'), tensors: 3, bytesNeeded: 4096 + 64, checked: true, fileBytes: 4096 + 64, problem: null, message: null },
  ]);
  assert.deepEqual(reader.calls.filter((c) => c !== 'realPath'), ['size weights.bin']);
  assert.deepEqual(summarizeModel(d).externalData, externalDataStatus(d.model, modelPath));
  d.source.close?.();
});

test('external data status: a missing, a cut-short and a refused data file are told at open, naming the files', () => {
  const dir = tmpDir();
  const missing = writeExternalModel(path.join(dir, 'missing'), 'sub/weights.bin', { omitData: true });
  const short = writeExternalModel(path.join(dir, 'short'), 'weights.bin', { truncateData: 4100 });
  const refused = writeExternalModel(path.join(dir, 'refused', 'm'), '../weights.bin', { omitData: true });
  const status = (file: string) => {
    const d = openModelFile(file);
    try {
      return externalDataStatus(d.model, file);
    } finally {
      d.source.close?.();
    }
  };
  const [m] = status(missing.modelPath);
  assert.equal(m!.problem, 'missing');
  assert.equal(m!.fileBytes, null);
  assert.equal(m!.tensors, 3);
  assert.ok(m!.message!.startsWith(`${missing.modelPath}: external data file 'sub/weights.bin' (${path.join(dir, 'missing', 'sub', 'weights.bin')}) does not exist`), m!.message!);
  assert.match(m!.message!, /3 tensors stored in it cannot be read/);

  const [s] = status(short.modelPath);
  assert.deepEqual([s!.problem, s!.fileBytes, s!.bytesNeeded], ['short', 4100, 4160]);
  assert.match(s!.message!, /'weights\.bin' has 4100 bytes, its tensors need 4160: it is cut short/);

  const [r] = status(refused.modelPath);
  assert.deepEqual([r!.problem, r!.path, r!.fileBytes], ['refused', null, null]);
  assert.match(r!.message!, /'\.\.\/weights\.bin' escapes the model's folder/);
});

test('external data status: a data file reached through a link out of the model folder is refused', { skip: noSymlinks }, () => {
  const root = tmpDir();
  const modelDir = path.join(root, 'model');
  const { modelPath } = writeExternalModel(modelDir, 'w.bin', { dataAt: '../outside/w.bin' });
  fs.symlinkSync(path.join(root, 'outside', 'w.bin'), path.join(modelDir, 'w.bin'));
  const d = openModelFile(modelPath);
  const [st] = externalDataStatus(d.model, modelPath);
  assert.equal(st!.problem, 'refused');
  assert.match(st!.message!, /leads through a symbolic link out of the model's folder/);
  d.source.close?.();
});

test('external data status: every tensor of the model counts, files in the order first named', () => {
  // An initializer in one file, a Constant's value tensor in another (missing), inside an If branch.
  const branch = {
    name: 'then',
    output: [vi('k', [4])],
    node: [{ opType: 'Constant', output: ['k'], attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: externalTensor('', [4], [['location', 'consts.bin'], ['length', '16']]) }] }],
  };
  const model = encodeModelProto({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'two-files',
      input: [vi('c', [])],
      output: [vi('y', [4])],
      initializer: [externalTensor('w', [8], [['location', 'w.bin'], ['length', '32']])],
      node: [{ opType: 'If', input: ['c'], output: ['y'], attribute: [
        { name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: branch },
        { name: 'else_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: { ...branch, name: 'else' } },
      ] }],
    },
  });
  const dir = tmpDir();
  const file = path.join(dir, 'm.onnx');
  fs.writeFileSync(file, model);
  fs.writeFileSync(path.join(dir, 'w.bin'), Buffer.alloc(32));
  const d = openModelFile(file);
  const st = externalDataStatus(d.model, file);
  assert.deepEqual(st.map((f) => [f.location, f.tensors, f.bytesNeeded, f.problem]), [['w.bin', 1, 32, null], ['consts.bin', 2, 16, 'missing']]);
  // The summary's older key lists the initializers' files only; externalData has them all.
  const s = summarizeModel(d);
  assert.deepEqual(s.externalDataFiles, ['w.bin']);
  assert.deepEqual(s.externalData.map((f) => f.location), ['w.bin', 'consts.bin']);
  d.source.close?.();
});

test('qdq info shows each external data file with its size, and what is wrong with it', async () => {
  const dir = tmpDir();
  const ok = writeExternalModel(path.join(dir, 'ok'));
  const gone = writeExternalModel(path.join(dir, 'gone'), 'weights.bin', { omitData: true });
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const code = await qdq(args, { out: (t) => out.push(t), err: (t) => out.push(t) });
    return { code, text: out.join('\n') };
  };
  const a = await run('info', ok.modelPath);
  assert.equal(a.code, 0);
  assert.match(a.text, /^ {2}external data: weights\.bin \(4\.06 KiB, 3 tensors\)$/m);
  const b = await run('info', gone.modelPath);
  assert.equal(b.code, 0);
  assert.match(b.text, /^ {2}external data: weights\.bin \(3 tensors\) MISSING: .*does not exist or cannot be read; 3 tensors stored in it cannot be read$/m);
  const json = JSON.parse((await run('info', gone.modelPath, '--json')).text) as { externalData: { location: string; problem: string }[] };
  assert.deepEqual(json.externalData.map((f) => [f.location, f.problem]), [['weights.bin', 'missing']]);
});

test('saved elsewhere, a model with external data is told which data files its copy cannot find (data files are never copied)', async () => {
  const dir = tmpDir();
  const { modelPath } = writeExternalModel(path.join(dir, 'src'));
  const d = openModelFile(modelPath);
  // In place, or in the same folder: nothing is detached. Another folder: the data file is, until it is copied there.
  assert.deepEqual(detachedDataFiles(d.model, modelPath, modelPath), []);
  assert.deepEqual(detachedDataFiles(d.model, modelPath, path.join(dir, 'src', 'copy.onnx')), []);
  const elsewhere = path.join(dir, 'out', 'copy.onnx');
  fs.mkdirSync(path.dirname(elsewhere));
  assert.deepEqual(detachedDataFiles(d.model, modelPath, elsewhere), [
    { location: 'weights.bin', from: path.join(dir, 'src', 'weights.bin'), to: path.join(dir, 'out', 'weights.bin'), problem: 'missing' },
  ]);
  fs.copyFileSync(path.join(dir, 'src', 'weights.bin'), path.join(dir, 'out', 'weights.bin'));
  assert.deepEqual(detachedDataFiles(d.model, modelPath, elsewhere), []);
  fs.rmSync(path.join(dir, 'out', 'weights.bin'));
  // A data file that was already missing beside the original is not the save's doing.
  const gone = writeExternalModel(path.join(dir, 'gone'), 'weights.bin', { omitData: true });
  const g = openModelFile(gone.modelPath);
  assert.deepEqual(detachedDataFiles(g.model, gone.modelPath, elsewhere), []);
  g.source.close?.();
  d.source.close?.();

  // qdq save says so on stderr, and still writes the model (exit 0).
  const out: string[] = [];
  const err: string[] = [];
  const code = await qdq(['save', modelPath, '-o', elsewhere], { out: (t) => out.push(t), err: (t) => err.push(t) });
  assert.equal(code, 0);
  assert.ok(fs.existsSync(elsewhere));
  assert.deepEqual(err, [`qdq save: ${elsewhere} reads its external data from 'weights.bin', which is not beside it: copy ${path.join(dir, 'src', 'weights.bin')} to ${path.join(dir, 'out', 'weights.bin')}`]);
  assert.ok(!fs.existsSync(path.join(dir, 'out', 'weights.bin')), 'the save copies no data file');
});

/** A model whose initializers (4 floats each) are stored as `ext` says: external_data entries, in order. */
function modelWithExternal(dir: string, ext: (readonly [string, string])[][], extra: Partial<onnx.IModelProto> = {}): string {
  const file = path.join(dir, 'm.onnx');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    file,
    encodeModelProto({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'g',
        output: [vi('t0', [4])],
        initializer: ext.map((entries, i) => externalTensor(`t${i}`, [4], entries)),
      },
      ...extra,
    }),
  );
  return file;
}

const statusOf = (file: string, reader?: FileReader | null) => {
  const d = openModelFile(file);
  try {
    return externalDataStatus(d.model, file, reader);
  } finally {
    d.source.close?.();
  }
};

test('external data status: a malformed tensor does not hide that the file is cut short for the others; lengths come from the shape when absent', () => {
  const dir = tmpDir();
  const file = modelWithExternal(dir, [
    [['location', 'w.bin'], ['offset', '0'], ['length', '16']],
    [['location', 'w.bin'], ['offset', 'twelve']], // its own problem when read
    [['location', 'w.bin'], ['offset', '64']], // no length: 4 floats, 16 bytes
  ]);
  fs.writeFileSync(path.join(dir, 'w.bin'), Buffer.alloc(70));
  const [st] = statusOf(file);
  assert.deepEqual([st!.tensors, st!.bytesNeeded, st!.fileBytes, st!.problem], [3, 80, 70, 'short']);
  fs.writeFileSync(path.join(dir, 'w.bin'), Buffer.alloc(80));
  assert.equal(statusOf(file)[0]!.problem, null);
});

test('external data status: one file however it is spelled; the last location entry counts, as when reading', () => {
  const dir = tmpDir();
  const file = modelWithExternal(dir, [
    [['location', 'w.bin']],
    [['location', './w.bin']],
    [['location', 'sub/../w.bin']],
    [['location', 'gone.bin'], ['location', 'w.bin']], // read from w.bin
  ]);
  fs.writeFileSync(path.join(dir, 'w.bin'), Buffer.alloc(16));
  const st = statusOf(file);
  assert.deepEqual(st.map((f) => [f.location, f.tensors, f.problem]), [['w.bin', 4, null]]);
  const d = openModelFile(file);
  assert.equal(resolveExternalData(d.model.graph!.initializer[3]!, file).location, 'w.bin');
  assert.deepEqual(nums(readTensorValues(d, d.model.graph!.initializer[3]!)), [0, 0, 0, 0]);
  d.source.close?.();
});

test('external data status: a folder where the data file should be is missing; a model from memory is listed, not looked at', () => {
  const dir = tmpDir();
  const file = modelWithExternal(dir, [[['location', 'w.bin']]]);
  fs.mkdirSync(path.join(dir, 'w.bin'));
  const [st] = statusOf(file);
  assert.equal(st!.problem, 'missing');
  assert.match(st!.message!, /external data file 'w\.bin' \(.*\) is not a regular file; 1 tensor stored in it cannot be read/);
  const d = openModelFile(file);
  assert.throws(() => readTensorValues(d, d.model.graph!.initializer[0]!), /external data file 'w\.bin' .* is not a regular file/);
  // The same bytes from an editor's virtual file system (no local folder): listed, not looked at.
  const mem = decodeModel(new MemorySource(fs.readFileSync(file), file), { file });
  assert.deepEqual(summarizeModel(mem, undefined, null).externalData, [
    { location: 'w.bin', path: null, tensors: 1, bytesNeeded: 16, checked: false, fileBytes: null, problem: null, message: null },
  ]);
  assert.equal(summarizeModel(d).externalData[0]!.checked, true);
  d.source.close?.();
});

test('external data status: tensors of training graphs count too', () => {
  const dir = tmpDir();
  const file = modelWithExternal(dir, [[['location', 'w.bin']]], {
    trainingInfo: [{ initialization: { name: 'init', initializer: [externalTensor('lr', [1], [['location', 'train.bin']])] } }],
  });
  fs.writeFileSync(path.join(dir, 'w.bin'), Buffer.alloc(16));
  assert.deepEqual(statusOf(file).map((f) => [f.location, f.problem]), [['w.bin', null], ['train.bin', 'missing']]);
});

test('saved elsewhere, a linked data file (Hugging Face cache) is to be copied from the file it links to, not as a link', { skip: noSymlinks }, () => {
  const root = tmpDir();
  const blobs = path.join(root, 'blobs');
  const { modelPath } = writeExternalModel(blobs, 'model.onnx_data');
  fs.renameSync(path.join(blobs, 'model.onnx_data'), path.join(blobs, 'sha-data'));
  const snapshot = path.join(root, 'snapshots', 'rev1');
  fs.mkdirSync(snapshot, { recursive: true });
  fs.renameSync(modelPath, path.join(blobs, 'sha-model'));
  fs.symlinkSync('../../blobs/sha-model', path.join(snapshot, 'model.onnx'));
  fs.symlinkSync('../../blobs/sha-data', path.join(snapshot, 'model.onnx_data'));
  const from = path.join(snapshot, 'model.onnx');
  const d = openModelFile(from);
  const out = path.join(root, 'mine', 'model.onnx');
  fs.mkdirSync(path.dirname(out));
  assert.deepEqual(detachedDataFiles(d.model, from, out), [
    { location: 'model.onnx_data', from: path.join(fs.realpathSync(blobs), 'sha-data'), to: path.join(root, 'mine', 'model.onnx_data'), problem: 'missing' },
  ]);
  // A link beside the copy that leads out of its folder does not count as the data being there.
  fs.symlinkSync(path.join(blobs, 'sha-data'), path.join(root, 'mine', 'model.onnx_data'));
  assert.deepEqual(detachedDataFiles(d.model, from, out).map((f) => f.problem), ['refused']);
  d.source.close?.();
});

test('saving over a linked model file (a cache snapshot) is told that its data link will lead out of its folder', { skip: noSymlinks }, async () => {
  const root = tmpDir();
  const blobs = path.join(root, 'blobs');
  const { modelPath, a } = writeExternalModel(blobs, 'model.onnx_data');
  fs.renameSync(path.join(blobs, 'model.onnx_data'), path.join(blobs, 'sha-data'));
  fs.renameSync(modelPath, path.join(blobs, 'sha-model'));
  const snapshot = path.join(root, 'snapshots', 'rev1');
  fs.mkdirSync(snapshot, { recursive: true });
  const model = path.join(snapshot, 'model.onnx');
  fs.symlinkSync('../../blobs/sha-model', model);
  fs.symlinkSync('../../blobs/sha-data', path.join(snapshot, 'model.onnx_data'));
  const d = openModelFile(model);
  assert.deepEqual(nums(readTensorValues(d, d.model.graph!.initializer[0]!)), Array.from(a)); // fine while the model is a link
  const detached = detachedDataFiles(d.model, model, model);
  assert.deepEqual(detached.map((f) => [f.location, f.problem, f.to]), [['model.onnx_data', 'refused', path.join(snapshot, 'model.onnx_data')]]);
  d.source.close?.();
  // qdq save in place says what to do, and the saved (now regular) file indeed cannot read its data.
  const err: string[] = [];
  assert.equal(await qdq(['save', model, '-o', model], { out: () => {}, err: (t) => err.push(t) }), 0);
  assert.ok(!fs.lstatSync(model).isSymbolicLink(), 'the save replaced the link with a file');
  assert.ok(err.some((l) => l.includes(`'model.onnx_data', which is a link leading out of its folder there: replace the link ${path.join(snapshot, 'model.onnx_data')} with a copy of `)), err.join('\n'));
  const saved = openModelFile(model);
  assert.throws(() => readTensorValues(saved, saved.model.graph!.initializer[0]!), /leads through a symbolic link out of the model's folder/);
  assert.equal(externalDataStatus(saved.model, model)[0]!.problem, 'refused');
  saved.source.close?.();
});

test('a tensor without a name (a Constant\'s value) is named by the node attribute holding it when it cannot be read', () => {
  const dir = tmpDir();
  const value = (name: string) => ({ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: externalTensor(name, [4], [['location', 'd.data']]) });
  const file = modelWithExternal(dir, [], {
    graph: {
      name: 'g',
      output: [vi('k', [4])],
      node: [
        { name: '/model.0/Constant', opType: 'Constant', output: ['c'], attribute: [value('')] },
        { opType: 'Constant', output: ['k'], attribute: [value('')] },
        { name: 'named', opType: 'Constant', output: ['n'], attribute: [value('kept')] },
      ],
    },
  });
  const d = openModelFile(file);
  const [a, b, c] = d.model.graph!.node.map((n) => n.attribute[0]!.t!);
  const missing = `external data file 'd.data' (${path.join(dir, 'd.data')}) does not exist or cannot be read`;
  for (const read of [readTensorBytes, readTensorValues]) {
    assert.throws(() => read(d, a!), (e: unknown) => e instanceof TensorDataError && e.tensorName === '' &&
      e.message === `${file}: cannot read the tensor of Constant node '/model.0/Constant' attribute 'value': ${missing}`);
    assert.throws(() => read(d, b!), (e: unknown) => e instanceof TensorDataError && e.message === `${file}: cannot read the tensor of Constant node (output 'k') attribute 'value': ${missing}`);
    // A tensor with a name keeps it.
    assert.throws(() => read(d, c!), (e: unknown) => e instanceof TensorDataError && e.message === `${file}: cannot read tensor 'kept': ${missing}`);
  }
  d.source.close?.();
});

test('external data status: tensors stored externally without a location are listed as a problem, and a location naming a folder is refused', () => {
  const dir = tmpDir();
  const file = modelWithExternal(dir, [
    [['location', 'w.data']],
    [['location', '']], // empty
    [['offset', '0'], ['length', '16']], // none at all
    [['location', 'w.data/']], // a folder: Node would read the file w.data, onnx cannot
    [['location', 'w.data/.']],
  ]);
  fs.writeFileSync(path.join(dir, 'w.data'), Buffer.alloc(16));
  const st = statusOf(file);
  assert.deepEqual(st.map((f) => [f.location, f.tensors, f.problem]), [['w.data', 1, null], ['w.data/', 1, 'refused'], ['w.data/.', 1, 'refused'], ['', 2, 'refused']]);
  assert.equal(st[1]!.message, `${file}: external data location 'w.data/' names a folder, not a file`);
  assert.equal(st[3]!.message, `${file}: 2 tensors are stored externally without a data file to read from (external_data has no 'location', or an empty one); they cannot be read`);
  assert.equal(st[3]!.path, null);
  // Reading says the same, tensor by tensor.
  const d = openModelFile(file);
  const init = d.model.graph!.initializer;
  assert.deepEqual(nums(readTensorValues(d, init[0]!)), [0, 0, 0, 0]);
  assert.throws(() => readTensorValues(d, init[1]!), /cannot read tensor 't1': external_data has no 'location'/);
  assert.throws(() => readTensorValues(d, init[2]!), /cannot read tensor 't2': external_data has no 'location'/);
  assert.throws(() => readTensorValues(d, init[3]!), /cannot read tensor 't3': external data location 'w\.data\/' names a folder, not a file/);
  assert.throws(() => readTensorValues(d, init[4]!), /cannot read tensor 't4': external data location 'w\.data\/\.' names a folder, not a file/);
  d.source.close?.();
});
