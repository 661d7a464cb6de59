/**
 * Keep in higher precision / quantize (disableQuantization / enableQuantization) on unnamed layers:
 * the target takes an unnamed node's label (`Conv#8`) as every other edit names nodes, resolved in
 * the node list as the edit began (a batch: as the batch began), a real name winning over a label.
 * The result, its record and its inverse name the layer by its label in the graph the edit leaves;
 * a session's memory follows the layer across later edits; an exported plan writes the label as the
 * layer is in the model the plan applies to; `qdq edit --disable-quant/--enable-quant` takes labels
 * in the model as read.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyEdit, EditError, EditSession, exportPlan, Journal, planToRequest, type EditRequest } from '../../../src/core/editing/index';
import type { DecodedModel, Node } from '../../../src/core/onnx/index';
import { main as qdq } from '../../../src/cli/qdq';
import { makeTempDir } from '../../support/tempDir';
import { assertValid, build, encode, graphOf, redecode, unnamed } from './kit';

const isQdq = (n: Node): boolean => n.opType === 'QuantizeLinear' || n.opType === 'DequantizeLinear';

/** Labels of the first `count` Convs whose data input a DequantizeLinear produces. */
function quantizedConvs(d: DecodedModel, count: number): string[] {
  const g = graphOf(d);
  const producer = new Map<string, Node>();
  for (const n of g.node) for (const o of n.output) producer.set(o, n);
  const out: string[] = [];
  g.node.forEach((n, i) => {
    if (out.length < count && n.opType === 'Conv' && producer.get(n.input[0]!)?.opType === 'DequantizeLinear') out.push(`Conv#${i}`);
  });
  return out;
}

/** The node a label names in `d` (asserting it is an unnamed node of that type). */
function at(d: DecodedModel, label: string): Node {
  const m = /^(\w+)#(\d+)$/.exec(label)!;
  const n = graphOf(d).node[Number(m[2])]!;
  assert.equal(n.opType, m[1], label);
  assert.equal(n.name, '', label);
  return n;
}

/** Is input 0 of `n` a DQ output? */
function quantizedInput(d: DecodedModel, n: Node): boolean {
  return graphOf(d).node.some((p) => p.opType === 'DequantizeLinear' && p.output[0] === n.input[0]);
}

/** The builder's tiny model with every node name emptied. */
const fresh = (): DecodedModel => unnamed(build().decoded);

describe('disable/enable quantization of an unnamed layer by its label', () => {
  test('disable by label: same change as by name on the named model; result, record and inverse use the labels of the graph it leaves; the inverse and undo restore', () => {
    const named = build().decoded;
    const d = fresh();
    const original = encode(d);
    const [, conv] = quantizedConvs(d, 2) as [string, string];
    const index = Number(conv.split('#')[1]);
    const name = graphOf(named).node[index]!.name;
    const layer = at(d, conv);
    const a = applyEdit(d, { kind: 'disableQuantization', target: conv });
    applyEdit(named, { kind: 'disableQuantization', target: name });
    assert.deepEqual(graphOf(d).node.map((n) => n.opType), graphOf(named).node.map((n) => n.opType), 'the same nodes go');
    assert.ok(!quantizedInput(d, layer));
    const now = `Conv#${graphOf(d).node.indexOf(layer)}`;
    assert.notEqual(now, conv, 'the Q/DQ before it went: its index moved');
    assert.match(a.message, new RegExp(`^Disabled quantization of ${conv}: 2 Q/DQ inputs removed`));
    assert.deepEqual(a.nodes, [now]);
    assert.deepEqual(a.replaced.removed!.map((r) => r.node), [now, now]);
    const inv = a.inverse as Extract<EditRequest, { kind: 'enableQuantization' }>;
    assert.equal(inv.kind, 'enableQuantization');
    assert.equal(inv.target, now);
    assertValid(redecode(d));
    // The inverse request, applied to the graph the edit left, quantizes that layer again.
    const back = applyEdit(d, inv);
    assert.ok(quantizedInput(d, layer));
    assert.equal(graphOf(d).node.filter(isQdq).length, graphOf(redecode(fresh())).node.filter(isQdq).length);
    back.journal.undo();
    a.journal.undo();
    assert.ok(encode(d).equals(original), 'undo is exact');
  });

  test('a batch (a plan) resolves every label where it began: the second layer\'s label holds although the first disable moved it', () => {
    const d = fresh();
    const [c1, c2] = quantizedConvs(d, 2) as [string, string];
    const [l1, l2] = [at(d, c1), at(d, c2)];
    const a = applyEdit(d, planToRequest({ format: 'qdq-plan', version: 1, keepHigherPrecision: [{ target: c1 }, { target: c2 }] }));
    assert.ok(!quantizedInput(d, l1) && !quantizedInput(d, l2));
    const g = graphOf(d);
    assert.deepEqual(a.nodes, [`Conv#${g.node.indexOf(l1)}`, `Conv#${g.node.indexOf(l2)}`]);
    // Its inverse (two enables with their memory, labels of the graph it left) puts both back.
    applyEdit(d, a.inverse!);
    assert.ok(quantizedInput(d, l1) && quantizedInput(d, l2));
  });

  test('a real node name that looks like a label wins; a label of a named node or of another op type is refused saying what is there', () => {
    const d = fresh();
    const [c1, c2] = quantizedConvs(d, 2) as [string, string];
    // Give the second conv the name of the first one's label.
    new Journal().set(at(d, c2), 'name', c1);
    const d2 = redecode(d);
    const second = graphOf(d2).node.find((n) => n.name === c1)!;
    const first = at(d2, c1);
    const before = encode(d2);
    const a = applyEdit(d2, { kind: 'disableQuantization', target: c1 });
    assert.deepEqual(a.nodes, [c1]);
    assert.ok(!quantizedInput(d2, second), 'the node named so');
    assert.ok(quantizedInput(d2, first), 'not the unnamed node at that index');
    a.journal.undo();
    assert.ok(encode(d2).equals(before));
    assert.throws(() => applyEdit(d2, { kind: 'disableQuantization', target: c2 }), (e: Error) => e instanceof EditError && e.message === `${c2}: node ${c2.split('#')[1]} of the graph is named "${c1}"; name it so`);
    const dqAt = graphOf(d2).node.findIndex((n) => n.opType === 'DequantizeLinear');
    assert.throws(() => applyEdit(d2, { kind: 'enableQuantization', target: `Conv#${dqAt}`, activationScale: 0.1 }), (e: Error) => e instanceof EditError && /node \d+ of the graph is a DequantizeLinear \(DequantizeLinear#\d+\)/.test(e.message));
    assert.throws(() => applyEdit(d2, { kind: 'disableQuantization', target: 'Conv#99999' }), /no node matches "Conv#99999" \(give an ONNX node name, an unnamed node's label such as Conv#12/);
    assert.ok(encode(d2).equals(before), 'refusals change nothing');
  });

  test('enable by label with a scale on a float model; its inverse disables that layer by its label afterwards', () => {
    const d = unnamed(build({ qdq: 'none' }).decoded);
    const i = graphOf(d).node.findIndex((n) => n.opType === 'Conv');
    const layer = graphOf(d).node[i]!;
    const a = applyEdit(d, { kind: 'enableQuantization', target: `Conv#${i}`, activationScale: 0.02 });
    const now = `Conv#${graphOf(d).node.indexOf(layer)}`;
    assert.notEqual(now, `Conv#${i}`, 'the inserted Q/DQ moved it');
    assert.match(a.message, new RegExp(`^Enabled quantization of Conv#${i}: 2 Q/DQ pairs inserted`));
    assert.deepEqual(a.nodes, [now]);
    assert.deepEqual(a.inverse, { kind: 'batch', label: `Disable quantization of Conv#${i}`, edits: [{ kind: 'disableQuantization', target: now }] });
    applyEdit(d, a.inverse!);
    assert.ok(!quantizedInput(d, layer));
  });
});

describe('sessions, backups and plans follow an unnamed layer', () => {
  test('enable without a scale takes what the latest disable removed, across a later edit that moved the layer; undo/redo; the backup log replays', () => {
    const d = fresh();
    const original = encode(d);
    const [c1, c2] = quantizedConvs(d, 2) as [string, string];
    const [l1, l2] = [at(d, c1), at(d, c2)];
    const s = new EditSession(d);
    s.apply({ kind: 'disableQuantization', target: c2 });
    s.apply({ kind: 'disableQuantization', target: c1 }); // before c2: c2's label moves again
    const now2 = `Conv#${graphOf(d).node.indexOf(l2)}`;
    // No scale given: the activation scale is the one the first disable removed (else: noActivationScale).
    const e = s.apply({ kind: 'enableQuantization', target: now2 });
    assert.ok(quantizedInput(d, l2) && !quantizedInput(d, l1));
    assert.equal((e.request as { remembered?: { node: string }[] }).remembered?.[0]?.node, now2);
    const log = s.backupLog();
    const afterAll = encode(d);
    s.undo();
    assert.ok(!quantizedInput(d, l2));
    s.redo();
    assert.ok(encode(d).equals(afterAll), 'redo is exact');
    const r = new EditSession(fresh());
    assert.deepEqual(r.replay(log), []);
    assert.ok(encode(r.decoded).equals(afterAll), 'the backup log gives the same model');
    // Undo past everything: the file as read.
    s.undo();
    s.undo();
    s.undo();
    assert.ok(encode(d).equals(original));
  });

  test('export-plan writes each label as the layer is in the model the plan applies to (the session start), and the plan gives the same model', () => {
    const d = fresh();
    const [c1, , c3] = quantizedConvs(d, 3) as [string, string, string];
    const l3 = at(d, c3);
    const s = new EditSession(d);
    s.apply({ kind: 'disableQuantization', target: c1 });
    s.apply({ kind: 'disableQuantization', target: `Conv#${graphOf(d).node.indexOf(l3)}` }); // its label now
    const plan = exportPlan(s.applied, 'unnamed.onnx');
    assert.deepEqual(plan.keepHigherPrecision!.map((k) => k.target), [c1, c3]);
    assert.deepEqual(plan.nodesToExclude, [], 'an unnamed node has no name a ModelOpt pattern could match');
    assert.deepEqual(plan.yoloModules, []);
    const p = fresh();
    applyEdit(p, planToRequest(plan));
    assert.ok(encode(p).equals(encode(d)), 'the exported plan gives the same model');
  });
});

describe('qdq edit --disable-quant / --enable-quant with labels', () => {
  const dir = makeTempDir('qdq-edit-labels');
  async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await qdq(['edit', ...args], { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
    return { code, out, err };
  }

  test('labels name layers in the model as read, whatever an earlier flag moved; the exported plan gives the same file', async () => {
    const model = path.join(dir, 'unnamed.onnx');
    const d = fresh();
    fs.writeFileSync(model, encode(d));
    const [c1, c2] = quantizedConvs(d, 2) as [string, string];
    const a = path.join(dir, 'a.onnx');
    const plan = path.join(dir, 'plan.json');
    const r = await run(model, '-o', a, '--disable-quant', c1, '--disable-quant', c2, '--export-plan', plan, '--json');
    assert.equal(r.code, 0, r.err);
    const json = JSON.parse(r.out) as { edits: { message: string; nodes: string[] }[]; plan: { keepHigherPrecision: { target: string }[] } };
    assert.equal(json.edits.length, 2);
    assert.match(json.edits[0]!.message, new RegExp(`^Disabled quantization of ${c1}:`));
    assert.notEqual(json.edits[1]!.message.split(':')[0], `Disabled quantization of ${c2}`, 'the second request names it as it is after the first');
    assert.deepEqual(json.plan.keepHigherPrecision.map((k) => k.target), [c1, c2]);
    const ref = fresh();
    applyEdit(ref, planToRequest({ format: 'qdq-plan', version: 1, keepHigherPrecision: [{ target: c1 }, { target: c2 }] }));
    assert.ok(fs.readFileSync(a).equals(encode(ref)), 'both layers, as the model was read');
    const b = path.join(dir, 'b.onnx');
    const r2 = await run(model, '-o', b, '--plan', plan);
    assert.equal(r2.code, 0, r2.err);
    assert.ok(fs.readFileSync(a).equals(fs.readFileSync(b)));
  });

  test('--enable-quant LABEL:SCALE on a float model; a label of another op type exits 1 naming it, nothing written', async () => {
    const model = path.join(dir, 'float-unnamed.onnx');
    const d = unnamed(build({ qdq: 'none' }).decoded);
    fs.writeFileSync(model, encode(d));
    const convs = graphOf(d).node.flatMap((n, i) => (n.opType === 'Conv' ? [`Conv#${i}`] : []));
    const out = path.join(dir, 'q.onnx');
    const r = await run(model, '-o', out, '--enable-quant', `${convs[0]}:0.02`, '--enable-quant', `${convs[1]}:0.03`);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`Enabled quantization of ${convs[0]}: 2 Q/DQ pairs inserted`));
    const ref = unnamed(build({ qdq: 'none' }).decoded);
    applyEdit(ref, { kind: 'batch', label: 'both', edits: [{ kind: 'enableQuantization', target: convs[0]!, activationScale: 0.02 }, { kind: 'enableQuantization', target: convs[1]!, activationScale: 0.03 }] });
    assert.ok(fs.readFileSync(out).equals(encode(ref)));
    const never = path.join(dir, 'never.onnx');
    const other = graphOf(d).node.findIndex((n) => n.opType !== 'Conv');
    const bad = await run(model, '-o', never, '--disable-quant', `Conv#${other}`);
    assert.equal(bad.code, 1);
    assert.match(bad.err, new RegExp(`--disable-quant: Conv#${other}: node ${other} of the graph is a ${graphOf(d).node[other]!.opType} .*\\(nothing written\\)`));
    const none = await run(model, '-o', never, '--disable-quant', convs[0]!);
    assert.equal(none.code, 1);
    assert.match(none.err, new RegExp(`${convs[0]}: nothing to disable \\(${convs[0]} reads no DequantizeLinear output\\)`));
    assert.ok(!fs.existsSync(never));
  });
});
