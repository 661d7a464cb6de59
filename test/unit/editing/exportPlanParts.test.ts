/**
 * exportPlan nets disables and enables per layer, each part of a batch counting only the layers it
 * changed itself: exporting the plan of a session and applying it to the model the session began
 * with gives the session's Q/DQ placement (which inputs of which layers read a DequantizeLinear).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdit, EditSession, exportPlan, planToRequest, type QdqPlan } from '../../../src/core/editing/index';
import type { DecodedModel, Node } from '../../../src/core/onnx/index';
import { build, graphOf, redecode } from './kit';

/** The convs whose input 0 reads a DQ output, in node order. */
function quantizedConvs(d: DecodedModel): string[] {
  const g = graphOf(d);
  const producer = new Map<string, Node>();
  for (const n of g.node) for (const o of n.output) producer.set(o, n);
  return g.node.flatMap((n) => (n.opType === 'Conv' && producer.get(n.input[0]!)?.opType === 'DequantizeLinear' ? [n.name] : []));
}

/** Per layer (not a Q/DQ/Constant), the input slots that read a DequantizeLinear output. */
function placement(d: DecodedModel): string[] {
  const g = graphOf(d);
  const dqOut = new Set(g.node.filter((n) => n.opType === 'DequantizeLinear').flatMap((n) => n.output));
  return g.node
    .filter((n) => !['QuantizeLinear', 'DequantizeLinear', 'Constant'].includes(n.opType))
    .map((n) => `${n.name}: ${n.input.flatMap((t, k) => (dqOut.has(t) ? [k] : [])).join(',')}`);
}

/** The plan applied to `start` (copied) gives the placement of `edited`. */
function assertReproduces(plan: QdqPlan, start: DecodedModel, edited: DecodedModel): void {
  const p = redecode(start, 'start.onnx');
  applyEdit(p, planToRequest(plan));
  assert.deepEqual(placement(p), placement(edited));
}

test('exportPlan: a batch that keeps x and z and enables y keeps x and z, each with its own target as the reason', () => {
  const d = build().decoded;
  const start = redecode(d, 'start.onnx');
  const [x, y, z] = quantizedConvs(d) as [string, string, string];
  const s = new EditSession(d);
  s.apply({ kind: 'disableQuantization', target: y });
  s.apply(planToRequest({ format: 'qdq-plan', version: 1, keepHigherPrecision: [{ target: x }, { target: z }], enableQuantization: [{ target: y, activationScale: 0.05 }] }));
  const plan = exportPlan(s.applied, 'm.onnx');
  assert.deepEqual(plan.keepHigherPrecision?.map((k) => [k.target, k.reason]), [[x, `disabled with target ${x}`], [z, `disabled with target ${z}`]]);
  assert.equal(plan.enableQuantization, undefined, 'y was disabled and enabled again: quantized as in the model');
  assertReproduces(plan, start, d);
});

test('exportPlan: one batch {keep x, enable y} on a model where y is float exports both', () => {
  const built = build().decoded;
  const [x, y] = quantizedConvs(built) as [string, string];
  applyEdit(built, { kind: 'disableQuantization', target: y });
  const start = redecode(built, 'start.onnx');
  const d = redecode(built);
  const s = new EditSession(d);
  s.apply(planToRequest({ format: 'qdq-plan', version: 1, keepHigherPrecision: [{ target: x }], enableQuantization: [{ target: y, activationScale: 0.05 }] }));
  const plan = exportPlan(s.applied, 'm.onnx');
  assert.deepEqual(plan.keepHigherPrecision?.map((k) => k.target), [x]);
  assert.deepEqual(plan.enableQuantization, [{ target: y, activationScale: 0.05 }]);
  assertReproduces(plan, start, d);
});

test('exportPlan: enabling a float layer and disabling it again is no decision (not keep + enable, which the plan reader refuses)', () => {
  const built = build().decoded;
  const [, y] = quantizedConvs(built) as [string, string];
  applyEdit(built, { kind: 'disableQuantization', target: y });
  const start = redecode(built, 'start.onnx');
  const d = redecode(built);
  const s = new EditSession(d);
  s.apply({ kind: 'enableQuantization', target: y, activationScale: 0.05 });
  s.apply({ kind: 'disableQuantization', target: y });
  const plan = exportPlan(s.applied, 'm.onnx');
  assert.equal(plan.keepHigherPrecision, undefined);
  assert.equal(plan.enableQuantization, undefined);
  assert.deepEqual(placement(d), placement(start));
});

test('exportPlan: a module enabled, then one of its layers disabled: the others are enabled one by one, the plan gives the same placement', () => {
  const built = build().decoded;
  applyEdit(built, { kind: 'disableQuantization', target: 'model.2.m' });
  const start = redecode(built, 'start.onnx');
  const d = redecode(built);
  const s = new EditSession(d);
  const enabled = s.apply({ kind: 'enableQuantization', target: 'model.2.m', activationScale: 0.05 });
  assert.ok(enabled.nodes.length >= 2, enabled.nodes.join(', '));
  const [first, ...rest] = enabled.nodes as [string, ...string[]];
  s.apply({ kind: 'disableQuantization', target: first });
  const plan = exportPlan(s.applied, 'm.onnx');
  assert.equal(plan.keepHigherPrecision, undefined, `${first} was float in the model`);
  assert.deepEqual(plan.enableQuantization, rest.map((target) => ({ target, activationScale: 0.05 })));
  assertReproduces(plan, start, d);
});

test('exportPlan: an enable that puts back what a disable removed after an earlier enable of a float layer exports the earlier scale', () => {
  const built = build().decoded;
  const [, y] = quantizedConvs(built) as [string, string];
  applyEdit(built, { kind: 'disableQuantization', target: y });
  const start = redecode(built, 'start.onnx');
  const d = redecode(built);
  const s = new EditSession(d);
  s.apply({ kind: 'enableQuantization', target: y, activationScale: 0.05 });
  s.apply({ kind: 'disableQuantization', target: y });
  s.apply({ kind: 'enableQuantization', target: y }); // the session's memory: the 0.05 quantizers
  const plan = exportPlan(s.applied, 'm.onnx');
  assert.deepEqual(plan.enableQuantization, [{ target: y, activationScale: 0.05 }]);
  assertReproduces(plan, start, d);
});

test('exportPlan on a model with several float modules: each enable is written with its target where that states its layers exactly (module, scope, node), else per layer', () => {
  const built = build().decoded;
  for (const m of ['model.2', 'model.4', 'model.8', 'model.9']) applyEdit(built, { kind: 'disableQuantization', target: m });
  const start = redecode(built, 'start.onnx');
  const d = redecode(built);
  const s = new EditSession(d);
  // Whole: a module, a scope, a node.
  const m2 = s.apply({ kind: 'enableQuantization', target: 'model.2', activationScale: 0.05 });
  assert.ok(m2.nodes.length >= 4, m2.nodes.join(', '));
  s.apply({ kind: 'enableQuantization', target: '/model.9/', activationScale: 0.06 });
  s.apply({ kind: 'enableQuantization', target: '/model.8/m/m.0/cv1/conv/Conv', activationScale: 0.09 });
  // Not whole: model.8 names the layer the enable above decided (this enable skips it, as it is quantized).
  const m8 = s.apply({ kind: 'enableQuantization', target: 'model.8', activationScale: 0.07 });
  assert.ok(!m8.nodes.includes('/model.8/m/m.0/cv1/conv/Conv') && m8.nodes.length >= 4, m8.nodes.join(', '));
  // Not whole: one of model.4's layers disabled again afterwards.
  const m4 = s.apply({ kind: 'enableQuantization', target: 'model.4', activationScale: 0.08 });
  s.apply({ kind: 'disableQuantization', target: '/model.4/cv2/conv/Conv' });
  const plan = exportPlan(s.applied, 'm.onnx');
  assert.equal(plan.keepHigherPrecision, undefined, 'every layer disabled here was float in the model');
  assert.deepEqual(plan.enableQuantization, [
    { target: 'model.2', activationScale: 0.05 },
    { target: '/model.9/', activationScale: 0.06 },
    { target: '/model.8/m/m.0/cv1/conv/Conv', activationScale: 0.09 },
    ...m8.nodes.map((target) => ({ target, activationScale: 0.07 })),
    ...m4.nodes.filter((n) => n !== '/model.4/cv2/conv/Conv').map((target) => ({ target, activationScale: 0.08 })),
  ]);
  assertReproduces(plan, start, d);
});
