/**
 * Batches of disable/enable parts (a plan, "keep the k most sensitive layers", the layer tree's
 * checkboxes, Fix All) on large models: an edit keeps its node and initializer lists aside while it
 * runs (graphLists.ts) and resolves targets through indexes (targets.ts `resolveLayers`), so each
 * part costs what it changes, not a pass over the model (the 50k-node bench model: 3,679 per-layer
 * enables in one batch took about a minute). These tests hold the results to what they were: a batch
 * gives what its parts give one by one, the lists give what the arrays gave, targets resolve as
 * resolveTarget does; and a batch writes each list of the graph once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdit, EditSession, moduleOfNodeName, resolveTarget, yoloModuleOf, type AppliedEdit, type EditRequest } from '../../../src/core/editing/index';
import { EditContext } from '../../../src/core/editing/context';
import { InitializerList, NodeList } from '../../../src/core/editing/graphLists';
import { resolveLayers } from '../../../src/core/editing/targets';
import type { Graph, Node, Tensor } from '../../../src/core/onnx/index';
import { build, encode, graphOf } from './kit';

const COMPUTE = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

/** A small deterministic generator (xorshift32). */
function prng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}

const fakeNode = (id: number): Node => ({ input: [], output: [`t${id}`], name: `n${id}`, opType: 'Relu', domain: '', overload: '', attribute: [], docString: '', metadataProps: [] });
const fakeTensor = (name: string, id: number): Tensor => ({ dims: [id], dataType: 1, name, docString: '', externalData: [], dataLocation: 0, metadataProps: [] });

test('NodeList gives the index, membership and list that splicing an array gives, through inserts before any node, removals and replacements', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const rnd = prng(seed);
    let id = 0;
    let ref: Node[] = Array.from({ length: 1 + rnd(30) }, () => fakeNode(id++));
    const list = new NodeList(ref.slice()); // the list never changes the array it is given; the reference here is spliced
    const removed: Node[] = [];
    for (let step = 0; step < 300; step++) {
      const op = rnd(10);
      if (op < 4 && ref.length) {
        const anchor = ref[rnd(ref.length)]!;
        const nodes = Array.from({ length: 1 + rnd(3) }, () => fakeNode(id++));
        list.insertBefore(nodes, anchor);
        ref.splice(ref.indexOf(anchor), 0, ...nodes);
      } else if (op < 7 && ref.length > 1) {
        const gone = ref[rnd(ref.length)]!;
        list.remove(gone);
        ref = ref.filter((n) => n !== gone);
        removed.push(gone);
      } else if (op < 8 && ref.length) {
        const old = ref[rnd(ref.length)]!;
        const replacement = fakeNode(id++);
        list.replace(old, replacement);
        ref[ref.indexOf(old)] = replacement;
        removed.push(old);
      } else if (op < 9) {
        const out = list.materialize();
        if (out) assert.deepEqual(out, ref, `seed ${seed} step ${step}: materialized list`);
      }
      // Spot checks every step, the whole list now and then.
      const probe = ref[rnd(ref.length)]!;
      assert.equal(list.indexOf(probe), ref.indexOf(probe), `seed ${seed} step ${step}: index`);
      if (removed.length) {
        const r = removed[rnd(removed.length)]!;
        assert.equal(list.has(r), ref.includes(r), `seed ${seed} step ${step}: a removed node`);
        assert.equal(list.indexOf(r), ref.includes(r) ? ref.indexOf(r) : undefined);
      }
      if (step % 50 === 0) ref.forEach((n, i) => assert.equal(list.indexOf(n), i, `seed ${seed} step ${step}: index of ${n.name}`));
    }
    const out = list.materialize();
    if (out) assert.deepEqual(out, ref, `seed ${seed}: final list`);
  }
});

test('InitializerList gives the first tensor of a name and the list that appending and filtering by name give', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const rnd = prng(seed);
    let id = 0;
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    let ref: Tensor[] = Array.from({ length: rnd(8) }, () => fakeTensor(names[rnd(names.length)]!, id++));
    const list = new InitializerList(ref);
    for (let step = 0; step < 200; step++) {
      const op = rnd(6);
      if (op < 3) {
        const add = Array.from({ length: 1 + rnd(2) }, () => fakeTensor(names[rnd(names.length)]!, id++));
        list.add(add);
        ref = [...ref, ...add];
      } else if (op < 5) {
        const drop = new Set([names[rnd(names.length)]!, names[rnd(names.length)]!]);
        list.drop(drop);
        ref = ref.filter((t) => !drop.has(t.name));
      } else {
        const out = list.materialize();
        if (out) assert.deepEqual(out, ref, `seed ${seed} step ${step}: materialized list`);
      }
      for (const n of names) assert.equal(list.get(n), ref.find((t) => t.name === n), `seed ${seed} step ${step}: ${n}`);
    }
    const out = list.materialize();
    if (out) assert.deepEqual(out, ref, `seed ${seed}: final list`);
  }
});

/** Every kind of target (names, labels, scopes, modules, refusals) of a node list. */
function targetsOf(nodes: readonly Node[]): string[] {
  const targets = new Set<string>(['', ' ', '/', '/nope/', 'model', 'model.99', 'model.2 ', ' /model.2/', 'Conv#99999', 'model.', '/model.2//']);
  nodes.forEach((n, i) => {
    targets.add(n.name);
    targets.add(`${n.opType}#${i}`);
    if (!COMPUTE.has(n.opType) || !n.name) return;
    for (let k = n.name.indexOf('/'); k !== -1; k = n.name.indexOf('/', k + 1)) {
      targets.add(n.name.slice(0, k + 1));
      targets.add(n.name.slice(0, k));
    }
    const m = moduleOfNodeName(n.name);
    if (m) for (let k = 0; k !== -1; k = m.indexOf('.', k + 1)) targets.add(k ? m.slice(0, k) : m);
  });
  return [...targets];
}

function outcome(f: () => Node[]): Node[] | string {
  try {
    return f();
  } catch (e) {
    return (e as Error).message;
  }
}

test('resolveLayers names what resolveTarget names over the edit\'s current list, before and after parts inserted and removed nodes, with unique and repeated names', () => {
  for (const repeat of [false, true]) {
    const { decoded } = build();
    const g = graphOf(decoded);
    const convs = g.node.flatMap((n, i) => (n.opType === 'Conv' ? [i] : []));
    // Unnamed layers (labels), a node named like a module, one like a scope, and (second round) two nodes of one name.
    g.node[convs[1]!]!.name = '';
    g.node[convs[2]!]!.name = '';
    g.node[g.node.findIndex((n) => n.opType === 'Sigmoid')]!.name = 'model.2';
    g.node[g.node.findIndex((n) => n.opType === 'Add')]!.name = '/model.4/';
    if (repeat) g.node[convs[5]!]!.name = g.node[convs[6]!]!.name;
    const ctx = new EditContext(decoded);
    const check = (when: string): void => {
      const targets = targetsOf(ctx.startNodes);
      const got = targets.map((t) => outcome(() => resolveLayers(ctx, t)));
      const want = targets.map((t) => outcome(() => resolveTarget(ctx.nodes, t, ctx.startNodes)));
      targets.forEach((t, k) => assert.deepEqual(got[k], want[k], `${when}: target "${t}"`));
    };
    check('at the start');
    // Parts of a batch: disable two layers (their Q/DQ go), insert a pair before a third.
    for (const at of [convs[3]!, convs[7]!]) {
      const layer = ctx.startNodes[at]!;
      const dq = ctx.producerOf(layer.input[0]!)!;
      const q = ctx.producerOf(dq.input[0]!)!;
      ctx.rewire(layer, 0, q.input[0]!);
      ctx.dropUnread([dq, q]);
    }
    const third = ctx.startNodes[convs[8]!]!;
    const fresh = (op: string): Node => ({ input: [third.input[0]!], output: [ctx.fresh('x')], name: ctx.fresh(`/model.9/${op}`), opType: op, domain: '', overload: '', attribute: [], docString: '', metadataProps: [] });
    ctx.insertNodes([fresh('Identity'), fresh('Identity')], third);
    check('after removals and insertions');
    ctx.rollback();
  }
});

/** What a batch and its parts are compared on. */
function facts(a: AppliedEdit): { messages: string; nodes: string[]; layers: unknown } {
  return { messages: a.message, nodes: a.nodes, layers: a.layers };
}

test('a batch of module disables, then one of module enables, gives the model and results of its parts applied one by one', () => {
  const modules = (() => {
    const { decoded } = build();
    const layers = graphOf(decoded).node.filter((n) => COMPUTE.has(n.opType));
    const all = [...new Set(layers.map((n) => yoloModuleOf(n.name)!))];
    // Modules whose layers all read Q/DQ (a head with float convs cannot be disabled as a whole).
    return all.filter((m) => {
      try {
        applyEdit(build().decoded, { kind: 'disableQuantization', target: m });
        return true;
      } catch {
        return false;
      }
    });
  })();
  assert.ok(modules.length >= 5, `several modules (${modules.join(', ')})`);
  for (const enable of ['scale', 'memory'] as const) {
    const one = build().decoded;
    const batch = build().decoded;
    const s1 = new EditSession(one);
    const s2 = new EditSession(batch);
    const each = modules.map((target) => s1.apply({ kind: 'disableQuantization', target }));
    const whole = s2.apply({ kind: 'batch', label: 'keep', edits: modules.map((target): EditRequest => ({ kind: 'disableQuantization', target })) });
    assert.deepEqual(encode(batch), encode(one), 'the model after the disables');
    assert.deepEqual(whole.layers, each.flatMap((a) => a.layers ?? []));
    assert.deepEqual(whole.nodes, each.flatMap((a) => a.nodes));
    assert.equal(whole.message, each.map((a) => a.message).join(' '));
    assert.deepEqual(whole.replaced.removed, each.flatMap((a) => a.replaced.removed ?? []));

    // Enable them again: with a given activation scale, or with what each disable removed (the batch
    // carries the records as a session's single enables would).
    const request = (target: string, k: number): EditRequest =>
      enable === 'scale' ? { kind: 'enableQuantization', target, activationScale: 0.05 } : { kind: 'enableQuantization', target, remembered: each[k]!.replaced.removed! };
    const eachOn = modules.map((target, k) => s1.apply(request(target, k)));
    const wholeOn = s2.apply({ kind: 'batch', label: 'quantize', edits: modules.map(request) });
    assert.deepEqual(encode(batch), encode(one), `the model after the enables (${enable})`);
    assert.deepEqual(facts(wholeOn), { messages: eachOn.map((a) => a.message).join(' '), nodes: eachOn.flatMap((a) => a.nodes), layers: eachOn.flatMap((a) => a.layers ?? []) });
    assert.deepEqual(wholeOn.replaced, {});
    // And back: undo of the batch gives the model the disables left, byte for byte.
    s2.undo();
    for (const _ of eachOn) s1.undo();
    assert.deepEqual(encode(batch), encode(one), 'after undo');
  }
});

/** Counts the assignments to `graph.node` and `graph.initializer` (the journal replaces those arrays). */
function countWrites(g: Graph): { node: number; initializer: number; done(): void } {
  const counts = { node: 0, initializer: 0, done: (): void => undefined };
  const keys = ['node', 'initializer'] as const;
  for (const key of keys) {
    let value: unknown = g[key];
    Object.defineProperty(g, key, {
      configurable: true,
      enumerable: true,
      get: () => value,
      set: (v: unknown) => {
        counts[key]++;
        value = v;
      },
    });
  }
  counts.done = () => {
    for (const key of keys) {
      const value = g[key];
      Object.defineProperty(g, key, { configurable: true, enumerable: true, writable: true, value });
    }
  };
  return counts;
}

test('a batch of per-layer disables, and one of enables, writes the graph\'s node and initializer lists once each, not once per part', () => {
  const { decoded } = build({ scalesAs: 'initializer' });
  const g = graphOf(decoded);
  const dqOut = new Set(g.node.filter((n) => n.opType === 'DequantizeLinear').map((n) => n.output[0]));
  const layers = g.node.filter((n) => COMPUTE.has(n.opType) && n.input.some((x) => dqOut.has(x))).map((n) => n.name);
  assert.ok(layers.length >= 20);
  const reference = build({ scalesAs: 'initializer' }).decoded;
  const refOff = applyEdit(reference, { kind: 'batch', label: 'keep', edits: layers.map((target): EditRequest => ({ kind: 'disableQuantization', target })) });
  const refOn = applyEdit(reference, { kind: 'batch', label: 'quantize', edits: layers.map((target): EditRequest => ({ kind: 'enableQuantization', target, activationScale: 0.05 })) });

  const writes = countWrites(g);
  let off: AppliedEdit;
  let on: AppliedEdit;
  try {
    off = applyEdit(decoded, { kind: 'batch', label: 'keep', edits: layers.map((target): EditRequest => ({ kind: 'disableQuantization', target })) });
    assert.deepEqual({ node: writes.node, initializer: writes.initializer }, { node: 1, initializer: 1 }, `${layers.length} disables`);
    writes.node = writes.initializer = 0;
    on = applyEdit(decoded, { kind: 'batch', label: 'quantize', edits: layers.map((target): EditRequest => ({ kind: 'enableQuantization', target, activationScale: 0.05 })) });
    assert.deepEqual({ node: writes.node, initializer: writes.initializer }, { node: 1, initializer: 1 }, `${layers.length} enables`);
  } finally {
    writes.done();
  }
  // Same results as without the counting (the accessors change nothing).
  assert.deepEqual(encode(decoded), encode(reference));
  assert.deepEqual(facts(off), facts(refOff));
  assert.deepEqual(facts(on), facts(refOn));
});
