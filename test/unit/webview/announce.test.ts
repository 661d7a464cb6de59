/** What the graph says to a screen reader when the keyboard moves the selection (webview/graph/announce.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GraphViewDto } from '../../../src/protocol/graphView';
import { describeNode, LastOfBurst, type Timers } from '../../../webview/graph/announce';

/** images → Conv (weight, bias) → Sigmoid, Mul(Conv, Sigmoid) → output0; an unnamed Relu reading nothing drawn. */
function view(): GraphViewDto {
  return {
    ref: { path: [] },
    mode: 'folded',
    title: 'main',
    ops: ['Conv', 'Sigmoid', 'Mul', 'Relu'],
    dtypes: ['FLOAT'],
    nodes: [
      { kind: 'input', name: 'images' },
      { op: 0, name: '/model.0/conv/Conv', node: 0, params: [0, 1] },
      { op: 1, name: '/model.0/act/Sigmoid', node: 1 },
      { op: 2, name: '/model.0/act/Mul', node: 2 },
      { kind: 'output', name: 'output0' },
      { op: 3, name: '', node: 3 },
    ],
    tensors: [{ name: 'images' }, { name: 'conv_out' }, { name: 'sig_out' }, { name: 'output0' }],
    edges: [
      { s: 0, t: 1, tensor: 0 },
      { s: 1, t: 2, tensor: 1 },
      { s: 1, t: 3, tensor: 1 },
      { s: 2, t: 3, tensor: 2 },
      { s: 3, t: 4, tensor: 3 },
    ],
    badges: [],
    params: [
      { name: 'w', dtype: 0, shape: [16, 3, 3, 3] },
      { name: 'b', dtype: 0, shape: [16] },
    ],
    stats: { onnxNodes: 4, opNodes: 4, foldedPairs: 0, foldedWeightDq: 0, inlinedConstants: 0, foldedConstants: 0, unfoldedQ: 0, unfoldedDq: 0 },
  };
}

describe('the sentence for a selected node', () => {
  it('an operator: op type, name, what the colouring says, inputs (weights included) and outputs (distinct tensors)', () => {
    assert.equal(describeNode(view(), 1, { colour: 'INT8' }), 'Conv /model.0/conv/Conv, INT8, 3 inputs, 1 output');
    assert.equal(describeNode(view(), 3), 'Mul /model.0/act/Mul, 2 inputs, 1 output');
    assert.equal(describeNode(view(), 2, { colour: 'FP16 (falls back)', severity: 'warning' }), 'Sigmoid /model.0/act/Sigmoid, FP16 (falls back), 1 input, 1 output, a warning finding');
  });

  it('graph inputs and outputs by tensor name; an unnamed node by its key', () => {
    assert.equal(describeNode(view(), 0), 'Graph input images, 1 reader');
    assert.equal(describeNode(view(), 4), 'Graph output output0');
    assert.equal(describeNode(view(), 5, { severity: 'error' }), 'Relu Relu#3, 0 inputs, 0 outputs, an error finding');
    assert.equal(describeNode(view(), 99), '');
  });
});

describe('announcements: the last of a burst only', () => {
  /** Timers run by hand: `flush()` runs what is still pending, as the clock would. */
  function manualTimers(): Timers & { flush(): void; pending(): number } {
    let next = 1;
    const live = new Map<number, () => void>();
    return {
      set: (run) => {
        const id = next++;
        live.set(id, run);
        return id;
      },
      clear: (handle) => void live.delete(handle as number),
      flush: () => {
        const runs = [...live.values()];
        live.clear();
        for (const r of runs) r();
      },
      pending: () => live.size,
    };
  }

  it('five moves in a row (a held arrow key) say one sentence, the last; the text is made only then', () => {
    const said: string[] = [];
    const timers = manualTimers();
    const a = new LastOfBurst((t) => said.push(t), 250, timers);
    let made = 0;
    for (let k = 1; k <= 5; k++) {
      a.push(() => {
        made++;
        return `node ${k}`;
      });
    }
    assert.equal(timers.pending(), 1, 'one pending announcement');
    timers.flush();
    assert.deepEqual(said, ['node 5']);
    assert.equal(made, 1, 'only the last sentence is built');
    a.push('again');
    timers.flush();
    assert.deepEqual(said, ['node 5', 'again'], 'a move after the burst is said too');
  });
});
