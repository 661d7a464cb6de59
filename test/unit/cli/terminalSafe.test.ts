/**
 * `qdq` prints names from the model, which is not trusted: control characters reach the terminal
 * inert (`\uXXXX`), in text and in every line a command prints, while JSON output still parses to
 * the model's exact strings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { terminalSafe } from '../../../src/cli/terminalText';
import { qdq } from '../../support/qdqCli';
import { makeTempDir } from '../../support/tempDir';
import { encodeModelProto, vi } from '../onnx/protoHelpers';

const OP = 'Evil\x1b[2J\x1b[31mRED\x07';
const NODE = 'n\x1b]0;pwned\x07';
const PRODUCER = 'p\u009b41m\x7f';
/** Anything a terminal would act on: C0 but tab and newline, DEL, C1. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ACTIVE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

function evilModel(): string {
  const file = path.join(makeTempDir('qdq-terminal'), 'evil.onnx');
  fs.writeFileSync(file, encodeModelProto({
    irVersion: 8,
    producerName: PRODUCER,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'g',
      input: [vi('x', [1])],
      output: [vi('y', [1])],
      // An op type no rule knows, and an output nothing produces: both are said, with the names.
      node: [{ name: NODE, opType: OP, input: ['x'], output: ['y'] }, { name: 'dangling\r\x1b[1A\x1b[2K', opType: 'Relu', input: ['nowhere'], output: ['z'] }],
    },
  }));
  return file;
}

test('terminalSafe escapes C0 (but tab and newline), DEL, C1 and lone surrogates, and leaves everything else alone', () => {
  assert.equal(terminalSafe('a\tb\nc'), 'a\tb\nc');
  assert.equal(terminalSafe('x\x1b[2Jy\r\x07'), 'x\\u001b[2Jy\\u000d\\u0007');
  assert.equal(terminalSafe('\x7f\u0080\u009b\u00a0é'), '\\u007f\\u0080\\u009b\u00a0é');
  assert.equal(terminalSafe('t\udcff|\ud83d\ude00|\ud83d'), 't\\udcff|\ud83d\ude00|\\ud83d');
  const plain = 'nothing to do here: /model.0/conv/Conv_output_0';
  assert.equal(terminalSafe(plain), plain);
});

test('qdq info and qdq lint print a hostile model\'s names with their control characters escaped', async () => {
  const file = evilModel();
  for (const args of [['info', file], ['lint', file]]) {
    const r = await qdq(...args);
    const all = r.out + r.err;
    assert.doesNotMatch(all, ACTIVE, `qdq ${args[0]} printed a control character: ${JSON.stringify(all)}`);
    assert.ok(all.length > 0);
  }
  const info = await qdq('info', file);
  assert.match(info.out, /Evil\\u001b\[2J\\u001b\[31mRED\\u0007/);
  assert.match(info.out, /p\\u009b41m\\u007f/);
});

test('JSON output still parses to the model\'s exact strings', async () => {
  const file = evilModel();
  const r = await qdq('info', file, '--json');
  assert.doesNotMatch(r.out, ACTIVE);
  const summary = JSON.parse(r.out) as { producerName: string; opTypeCounts: Record<string, number> };
  assert.equal(summary.producerName, PRODUCER);
  assert.equal(summary.opTypeCounts[OP], 1);
  const lint = await qdq('lint', file, '--format', 'json');
  assert.doesNotMatch(lint.out, ACTIVE);
  assert.ok(JSON.stringify(JSON.parse(lint.out)).includes(JSON.stringify(NODE).slice(1, -1)), 'the node name survives in the lint JSON');
});
