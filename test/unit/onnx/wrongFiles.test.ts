/**
 * The files users open by mistake get plain messages instead of the first protobuf field that does
 * not parse: a Git LFS pointer (a checkout without LFS), a PyTorch checkpoint or another zip archive,
 * a gzip-compressed model, HDF5 and TensorFlow Lite files, and a truncated download.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';
import { MemorySource, OnnxFormatError, decodeModel, openModelFile } from '../../../src/core/onnx/index';
import { makeTempDir } from '../../support/tempDir';
import { YOLO_PRESETS, yoloLike } from '../../support/modelBuilder';
import { concat, lenField, modelWith, strField, tag, topLevelFieldEnd, varint, varintField } from './hostile/wire';

const model = yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good' }).toBytes();

/** The OnnxFormatError decoding `bytes` as `file` gives. */
function formatError(bytes: Uint8Array, file = 'model.onnx'): OnnxFormatError {
  try {
    decodeModel(new MemorySource(bytes, file));
  } catch (e) {
    assert.ok(e instanceof OnnxFormatError, String(e));
    assert.equal(e.file, file);
    return e;
  }
  assert.fail('the bytes decoded');
}

/** A zip archive's first local file header, naming `name` (no data follows: the sniff needs no more). */
function zipHead(name: string): Uint8Array {
  const header = new Uint8Array(30);
  header.set([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 0, 0]);
  header[26] = name.length;
  return concat([header, new TextEncoder().encode(name), new Uint8Array(64)]);
}

test('a Git LFS pointer says it is one, with the model it points to, and how to fetch it', () => {
  const oid = 'sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393';
  const pointer = new TextEncoder().encode(`version https://git-lfs.github.com/spec/v1\noid ${oid}\nsize 10454780\n`);
  const e = formatError(pointer);
  assert.equal(e.offset, 0);
  assert.equal(
    e.message,
    `model.onnx: not a valid ONNX model: this is a Git LFS pointer, not the model: the repository keeps the model in Git LFS (${oid}, 10454780 bytes) and this checkout has only the pointer. ` +
      'Fetch the file with `git lfs pull` (in CI, check out with LFS, e.g. actions/checkout with `lfs: true`) (at byte 0)',
  );
  // From disk too, as the editor and the CLI open it.
  const file = path.join(makeTempDir('qdq-wrong-'), 'yolo.onnx');
  fs.writeFileSync(file, pointer);
  assert.throws(() => openModelFile(file), (x: unknown) => x instanceof OnnxFormatError && x.file === file && /Git LFS pointer/.test(x.problem));
});

test('zip archives: a PyTorch checkpoint is named as one; another zip names its first entry', () => {
  for (const name of ['archive/data.pkl', 'yolov9t/data.pkl']) {
    assert.match(formatError(zipHead(name), 'best.pt').problem, new RegExp(`^this is a PyTorch file \\(a zip archive whose first entry is '${name}', as torch.save and torch.jit.save write\\), not an ONNX model: export the model to ONNX \\(torch.onnx.export\\)`));
  }
  assert.match(formatError(zipHead('model.onnx'), 'models.zip').problem, /^this looks like a zip archive \(first entry 'model\.onnx'\), such as a PyTorch \.pt checkpoint, not an ONNX model: unpack or export it/);
  // An empty archive (end-of-directory record only).
  assert.match(formatError(Uint8Array.from([0x50, 0x4b, 0x05, 0x06, ...new Uint8Array(18)])).problem, /^this looks like a zip archive, such as a PyTorch/);
});

test('gzip, legacy PyTorch, HDF5 and TensorFlow Lite files are named', () => {
  assert.match(formatError(gzipSync(model), 'model.onnx.gz').problem, /^this file is gzip-compressed: decompress it \(gunzip\)/);
  const legacyTorch = Uint8Array.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e, 0x80, 0x02, 0x4d, 0xe9, 0x03]);
  assert.match(formatError(legacyTorch, 'old.pth').problem, /^this is a PyTorch checkpoint in the legacy torch\.save format/);
  const hdf5 = Uint8Array.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0, 0, 8, 8, 0]);
  assert.match(formatError(hdf5, 'model.h5').problem, /^this is an HDF5 file \(such as a Keras \.h5 model\)/);
  const tflite = Uint8Array.from([0x1c, 0, 0, 0, 0x54, 0x46, 0x4c, 0x33, 0x14, 0, 0x20, 0]);
  assert.match(formatError(tflite, 'model.tflite').problem, /^this is a TensorFlow Lite model/);
});

test('a truncated file says it looks truncated: where it ends and how many bytes the cut field needs', () => {
  const graphEnd = topLevelFieldEnd(model, 7);
  for (const cut of [graphEnd - 1, Math.floor(graphEnd / 2), 40]) {
    const e = formatError(model.subarray(0, cut));
    const m = /^length (\d+) runs past the end of the file: it looks truncated \(the file ends at byte (\d+); this field needs (\d+) more bytes\)$/.exec(e.problem);
    assert.ok(m, e.problem);
    assert.equal(Number(m[2]), cut);
    // The cut field is the top-level one holding the cut (the graph, in this model).
    assert.equal(e.fieldPath, 'ModelProto.graph');
    assert.equal(e.offset + varint(Number(m[1])).length + Number(m[1]), graphEnd, 'the offset is the graph\'s length prefix');
    assert.equal(Number(m[3]), graphEnd - cut);
  }
  // Cut inside a top-level tag or length prefix (after ir_version: an ONNX file).
  const head = concat([varintField(1, 8), tag(7, 2), [0x80]]);
  assert.match(formatError(head).problem, /^the file ends in the middle of a varint at byte 4: it looks truncated$/);
  // Not a cut: a nested length past its message, inside a file that is whole.
  const nested = modelWith(lenField(7, concat([strField(2, 'g'), tag(1, 2), varint(50), new Uint8Array(4)])), strField(2, 'producer'));
  assert.match(formatError(nested).problem, /^length 50 runs past the end of the enclosing message \(4 bytes left\)$/);
  // Nor is a length no protobuf message can have, at the top level.
  assert.match(formatError(modelWith(concat([tag(7, 2), varint(2 ** 40), new Uint8Array(8)]))).problem, /^length 1099511627776 runs past the end of the file \(8 bytes left\)$/);
});
