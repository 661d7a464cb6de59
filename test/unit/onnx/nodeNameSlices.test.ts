/**
 * A node's name that is the start of its first output's name (torch.onnx: `/model.0/conv/Conv` and
 * `/model.0/conv/Conv_output_0`, nearly every node of an export) is decoded as a slice of that
 * string (WireReader.stringFrom): V8 keeps a slice of 13 characters or more as a reference into the
 * output's characters instead of a copy. The name's value must be exactly what its own bytes say in
 * every case (ASCII only: a byte of a multi-byte UTF-8 character can equal a char code of another
 * string), and saving stays byte for byte.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { MemorySource, decodeModel, encodeModelToBytes, markDirty } from '../../../src/core/onnx/index';
import { cleanupTempDir, decodedBothWays } from './hostile/oracle';
import { concat, lenField, modelWith, strField } from './hostile/wire';

test.after(cleanupTempDir);

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A NodeProto of raw fields (field number, bytes), in the given order. */
function node(fields: readonly (readonly [number, Uint8Array])[]): Uint8Array {
  return lenField(1, concat(fields.map(([f, b]) => lenField(f, b))));
}

function model(nodes: readonly Uint8Array[]): Uint8Array {
  return modelWith(lenField(7, concat([strField(2, 'g'), ...nodes])));
}

test('node names decode to their own bytes whether or not they start the first output', () => {
  const out = '/model.0/conv/Conv_output_0';
  const cases: [string, Uint8Array][] = [
    ['/model.0/conv/Conv', node([[2, utf8(out)], [3, utf8('/model.0/conv/Conv')], [4, utf8('Conv')]])],
    // Shorter than a slice: copied, same value.
    ['/model.0/cv', node([[2, utf8(out)], [3, utf8('/model.0/cv')]])],
    // The whole output, and longer than it.
    [out, node([[2, utf8(out)], [3, utf8(out)]])],
    [`${out}_and_more`, node([[2, utf8(out)], [3, utf8(`${out}_and_more`)]])],
    // Equal up to the last character.
    ['/model.0/conv/Conw', node([[2, utf8(out)], [3, utf8('/model.0/conv/Conw')]])],
    // The name before the output: no output to slice yet.
    ['/model.0/conv/Conv', node([[3, utf8('/model.0/conv/Conv')], [2, utf8(out)]])],
    // Two outputs: the first one counts.
    ['/model.1/conv/Conv', node([[2, utf8('/model.1/conv/Conv_output_0')], [2, utf8('/other/Conv_output_1')], [3, utf8('/model.1/conv/Conv')]])],
  ];
  // The output "Ã©..." is the UTF-8 of U+00C3 U+00A9: its char codes are 0xC3 0xA9, which are the
  // bytes of "é" in UTF-8. A name "é..." must stay "é...", not become a slice reading "Ã©...".
  const tricky = `\u00c3\u00a9${'x'.repeat(20)}`;
  cases.push([`é${'x'.repeat(20)}`, node([[2, utf8(`${tricky}_output_0`)], [3, utf8(`é${'x'.repeat(20)}`)]])]);
  const bytes = model(cases.map(([, b]) => b));
  const d = decodedBothWays(bytes, 'names.onnx');
  assert.deepEqual(
    d.model.graph!.node.map((n) => n.name),
    cases.map(([name]) => name),
  );
  assert.deepEqual(encodeModelToBytes(d), bytes, 'unedited: byte for byte');
  for (const n of d.model.graph!.node) markDirty(n);
  assert.deepEqual(encodeModelToBytes(d), bytes, 're-encoded from the decoded fields: byte for byte');
});

/** The heap's used bytes after a full garbage collection. */
function heapAfterGc(): number {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

test('a name that starts its first output shares the output characters instead of copying them', () => {
  // 20,000 nodes with 200-character names: a copy costs 216 bytes, a slice 32.
  const count = 20_000;
  const make = (sameStart: boolean): Uint8Array => {
    const nodes: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const name = `/${'m'.repeat(180)}/node_${String(i).padStart(8, '0')}`;
      const output = sameStart ? `${name}_output_0` : `${name.slice(0, 1)}X${name.slice(2)}_output_0`;
      nodes.push(node([[2, utf8(output)], [3, utf8(name)]]));
    }
    return model(nodes);
  };
  const retained = (bytes: Uint8Array): number => {
    const before = heapAfterGc();
    const d = decodeModel(new MemorySource(bytes, 'names.onnx'));
    const used = heapAfterGc() - before;
    assert.equal(d.model.graph!.node.length, count);
    return used;
  };
  const copied = retained(make(false));
  const sliced = retained(make(true));
  // 20,000 x (216 - 32) bytes = 3.7 MB less; ask for 2.5 MB.
  assert.ok(copied - sliced > 2.5e6, `names as slices keep ${((copied - sliced) / 1e6).toFixed(2)} MB less (${(copied / 1e6).toFixed(2)} vs ${(sliced / 1e6).toFixed(2)} MB)`);
});
