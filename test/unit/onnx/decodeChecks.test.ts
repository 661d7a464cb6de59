/**
 * A decode from a FileSource checks the file once before its first read and once after its last
 * (FileSource.checkedAround), not on every read: a file rewritten in place while it is decoded is
 * still refused with ModelChangedError, whether its new bytes decode or make the decode fail, and
 * reads after the decode check on every read again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FileSource, ModelChangedError, ModelTooLargeError, decodeModel,
} from '../../../src/core/onnx/index';
import { original, reexported, rewriteInPlace, scratch } from './saveScratch';

const isChanged = (file: string) => (e: unknown): boolean =>
  e instanceof ModelChangedError && e.file === file && e.message.startsWith(`${file}: changed on disk`);

/** A FileSource that runs `between` just before its `at`-th read (readInto or read). */
class ChangingSource extends FileSource {
  reads = 0;
  constructor(file: string, private readonly at: number, private readonly between: () => void) {
    super(file);
  }
  override read(offset: number, length: number): Uint8Array {
    if (++this.reads === this.at) this.between();
    return super.read(offset, length);
  }
  override readInto(offset: number, target: Uint8Array, length: number): number {
    if (++this.reads === this.at) this.between();
    return super.readInto(offset, target, length);
  }
}

test('the fixture takes several reads to decode (else the tests below would test nothing)', () => {
  const { file } = scratch('qdq-decodecheck');
  const src = new ChangingSource(file, 0, () => {});
  try {
    decodeModel(src, { file });
    assert.ok(src.reads >= 5, `${src.reads} reads`);
  } finally {
    src.close();
  }
});

test('rewritten in place (same size, valid bytes) between two reads of the decode: ModelChangedError, no model', () => {
  const { file } = scratch('qdq-decodecheck');
  // The new bytes decode: only the check after the last read can tell the model is half old, half new.
  const src = new ChangingSource(file, 3, () => rewriteInPlace(file, reexported()));
  try {
    assert.throws(() => decodeModel(src, { file }), isChanged(file));
    assert.ok(src.reads > 3, 'the rewrite came in the middle of the decode');
  } finally {
    src.close();
  }
});

test('cut short between two reads of the decode: ModelChangedError, not the format error it causes', () => {
  const { file } = scratch('qdq-decodecheck');
  const src = new ChangingSource(file, 3, () => rewriteInPlace(file, original().subarray(0, 4000)));
  try {
    assert.throws(() => decodeModel(src, { file }), isChanged(file));
  } finally {
    src.close();
  }
});

test('after a decode, successful or failed, every read checks the file again', () => {
  for (const options of [{}, { maxObjectWeight: 10 }]) {
    const { file } = scratch('qdq-decodecheck');
    const src = new FileSource(file);
    try {
      let ok = true;
      try {
        decodeModel(src, { file, ...options });
      } catch (e) {
        assert.ok(e instanceof ModelTooLargeError, String(e));
        ok = false;
      }
      assert.equal(ok, options.maxObjectWeight === undefined);
      rewriteInPlace(file, reexported());
      assert.throws(() => src.read(0, 16), isChanged(file));
      const target = new Uint8Array(16);
      assert.throws(() => src.readInto(0, target, 16), isChanged(file));
    } finally {
      src.close();
    }
  }
});
