/**
 * Edit requests come from outside (commands, plans, backups): whatever they hold, an edit either
 * applies and leaves a valid graph, or is refused with an EditError and leaves the bytes as they were.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyEdit, EditError, type EditRequest } from '../../../src/core/editing/index';
import { decodeModel, MemorySource } from '../../../src/core/onnx/index';
import { assertValid, build, encode, graphOf, redecode } from './kit';

const base = build({ defects: { danglingQ: true, biasQdq: true } });
const g = graphOf(base.decoded);
const nodeNames = g.node.map((n) => n.name);
const tensors = [...new Set(g.node.flatMap((n) => [...n.input, ...n.output]))];

const name = fc.oneof(fc.constantFrom(...nodeNames), fc.constantFrom('/model.2/', 'model.2', 'model.2.m', '/', '', 'nope'), fc.string());
const tensor = fc.oneof(fc.constantFrom(...tensors), fc.string());
const scale = fc.oneof(fc.double({ min: -1, max: 2, noNaN: false }), fc.constant(0.05));
const anything = fc.anything();

const request: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ kind: fc.constant('disableQuantization'), target: name }),
  fc.record({ kind: fc.constant('enableQuantization'), target: name, activationScale: fc.option(scale, { nil: undefined }) }),
  fc.record({ kind: fc.constant('unifyScales'), nodes: fc.array(name, { maxLength: 4 }), scale: fc.option(scale, { nil: undefined }) }),
  fc.record({ kind: fc.constant('unifyConcat'), node: name, mode: fc.constantFrom('max', 'min', 'value'), scale: fc.option(scale, { nil: undefined }) }),
  fc.record({ kind: fc.constant('removeQdqPair'), quantize: name, dequantize: fc.option(name, { nil: null }) }),
  fc.record({ kind: fc.constant('removeQdqOnTensor'), tensor }),
  fc.record({ kind: fc.constant('insertQdqPair'), tensor, scale: fc.oneof(scale, fc.array(scale, { maxLength: 3 })), dtype: fc.constantFrom('INT8', 'UINT8', 'FLOAT8E4M3FN', 'INT4', 'x') }),
  fc.record({ kind: fc.constant('rewireInput'), node: name, inputIndex: fc.integer({ min: -1, max: 4 }), tensor }),
  fc.record({ kind: fc.constant('setZeroPoint'), nodes: fc.array(name, { maxLength: 3 }), value: fc.constant(0) }),
  fc.record({ kind: fc.constant('setAttribute'), node: name, name: fc.constantFrom('axis', 'group', 'x'), value: fc.option(fc.integer({ min: -2, max: 3 }), { nil: null }) }),
  fc.record({ kind: fc.constantFrom('batch', 'applyFix', 'bogus'), edits: anything, fix: anything, label: anything }),
  anything,
);

test('random edit requests: applied and valid, or refused with the model unchanged (1,000 cases)', () => {
  const original = Buffer.from(base.bytes);
  let applied = 0;
  fc.assert(
    fc.property(request, (r) => {
      const decoded = decodeModel(new MemorySource(base.bytes, 'fuzz.onnx'), { file: 'fuzz.onnx' });
      try {
        const a = applyEdit(decoded, r as EditRequest);
        applied++;
        assertValid(redecode(decoded));
        a.journal.undo();
        assert.ok(encode(decoded).equals(original), 'undo restores the bytes');
      } catch (e) {
        if (!(e instanceof EditError)) throw e;
        assert.ok(encode(decoded).equals(original), `refused (${e.message}) but the model changed`);
      }
    }),
    { numRuns: 1000, seed: 6 },
  );
  assert.ok(applied > 50, `${applied} of 1000 random requests applied`);
});
