/**
 * The `qdq` binary's stop-signal handlers: SIGINT, SIGTERM and SIGHUP remove the temporary file of
 * a save in progress (the core's abandonSaves) and exit 128 + the signal's number. The signal is
 * raised on a stand-in emitter from inside a real save (while it copies the model's bytes), so the
 * save is truly in flight when the handler runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onStopSignals } from '../../../src/cli/qdq';
import { openModelFile, saveModelFile } from '../../../src/core/onnx/index';
import { repoRoot } from '../../support/fixtures';
import { makeTempDir } from '../../support/tempDir';

const MODEL = path.join(repoRoot, 'test', 'fixtures', 'onnx', 'tiny-qat-good.onnx');

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
  test(`${signal} in the middle of a save: its temporary file is removed, the target untouched, exit ${code}`, () => {
    const dir = makeTempDir('qdq-signal');
    const out = path.join(dir, 'out.onnx');
    fs.writeFileSync(out, 'the old bytes');
    const proc = new EventEmitter();
    const exits: number[] = [];
    onStopSignals(proc, (c) => exits.push(c));
    const decoded = openModelFile(MODEL);
    const read = decoded.source.read.bind(decoded.source);
    let tempSeen: string[] = [];
    decoded.source.read = (offset: number, length: number) => {
      if (!exits.length) {
        tempSeen = fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'));
        proc.emit(signal);
      }
      return read(offset, length);
    };
    try {
      assert.throws(() => saveModelFile(decoded, out), /abandoned/);
    } finally {
      decoded.source.close?.();
    }
    assert.equal(tempSeen.length, 1, 'the save had its temporary file when the signal came');
    assert.deepEqual(exits, [code]);
    assert.deepEqual(fs.readdirSync(dir), ['out.onnx'], 'no temporary file left');
    assert.equal(fs.readFileSync(out, 'utf8'), 'the old bytes');
  });
}
