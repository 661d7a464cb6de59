/**
 * buildGraphIndex: producers and consumers, a stable and valid topological order, graph inputs vs
 * initializers, and subgraphs with their outer scope. Runs on small hand-made graphs, on the
 * builder's checked-in fixtures, and on the real exported models of the shared corpus when present.
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildGraphIndex, type GraphIndex } from '../../../src/core/graph/index';
import { type Graph, type Node, MemorySource, decodeModel, openModelFile } from '../../../src/core/onnx/index';
import { localOnnxFixtures, sharedOnnxModels } from '../../support/fixtures';
import { graphModel, onnx } from '../onnx/hostile/models';
import * as fs from 'node:fs';
import * as path from 'node:path';

function decodeGraph(g: onnx.IGraphProto): Graph {
  return decodeModel(new MemorySource(graphModel(g), 'g.onnx')).model.graph!;
}

/** Every node appears once, and every producer (in this graph) comes before each of its consumers. */
function assertValidOrder(g: Graph, idx: GraphIndex): void {
  assert.equal(idx.topoOrder.length, g.node.length);
  const pos = new Int32Array(g.node.length).fill(-1);
  idx.topoOrder.forEach((n, i) => {
    assert.equal(pos[n], -1, `node ${n} listed twice`);
    pos[n] = i;
  });
  g.node.forEach((n, i) => {
    for (const inp of [...n.input, ...(idx.implicitInputs.get(i) ?? [])]) {
      const p = idx.producer.get(inp);
      if (p !== undefined && p !== i) assert.ok(pos[p]! < pos[i]!, `producer ${p} of '${inp}' after its consumer ${i}`);
    }
  });
}

/** Reference: the lexicographically smallest topological order (what "stable" means here). */
function smallestTopoOrder(g: Graph, idx: GraphIndex): number[] {
  const deps = g.node.map((n) => n.input.map((t) => idx.producer.get(t)).filter((p): p is number => p !== undefined));
  const placed = new Uint8Array(g.node.length);
  const out: number[] = [];
  while (out.length < g.node.length) {
    let pick = -1;
    for (let i = 0; i < g.node.length && pick < 0; i++) if (!placed[i] && deps[i]!.every((d) => placed[d])) pick = i;
    if (pick < 0) break; // a cycle: the index puts those nodes last
    placed[pick] = 1;
    out.push(pick);
  }
  return out;
}

function withNodes(g: Graph, nodes: Node[]): Graph {
  return { ...g, node: nodes };
}

describe('buildGraphIndex on hand-made graphs', () => {
  const g = decodeGraph({
    input: [{ name: 'x' }, { name: 'w' }],
    initializer: [{ name: 'w', dims: [1], dataType: 1, floatData: [1] }, { name: 'b', dims: [1], dataType: 1, floatData: [0] }],
    valueInfo: [{ name: 'h' }, { name: 'x', docString: 'second x' }],
    output: [{ name: 'y' }],
    node: [
      { name: 'conv', opType: 'Conv', input: ['x', 'w', 'b'], output: ['h'] },
      { name: 'sq', opType: 'Mul', input: ['h', 'h'], output: ['s'] },
      { name: 'resize', opType: 'Resize', input: ['s', '', 'x'], output: ['y', ''] },
    ],
  });
  const idx = buildGraphIndex(g);

  test('producer and consumers by tensor name (a node reading a tensor twice is listed twice)', () => {
    assert.deepEqual([...idx.producer], [['h', 0], ['s', 1], ['y', 2]]);
    assert.deepEqual(idx.consumers.get('x'), [0, 2]);
    assert.deepEqual(idx.consumers.get('h'), [1, 1]);
    assert.deepEqual(idx.consumers.get('w'), [0]);
    assert.equal(idx.consumers.get(''), undefined, 'empty optional inputs are not tensors');
    assert.equal(idx.producer.get(''), undefined);
    assert.equal(idx.consumers.get('y'), undefined);
  });

  test('inputs exclude initializers listed as graph inputs; value info is by name, first wins', () => {
    assert.deepEqual(idx.inputs.map((v) => v.name), ['x']);
    assert.deepEqual([...idx.initializers.keys()], ['w', 'b']);
    assert.equal(idx.valueInfo.get('x')?.docString, '');
    assert.ok(idx.valueInfo.has('h') && idx.valueInfo.has('y'));
    assert.deepEqual(idx.problems, []);
  });

  test('topological order: identity for a sorted graph, valid and smallest for shuffled ones', () => {
    assert.deepEqual(idx.topoOrder, [0, 1, 2]);
    const reversed = withNodes(g, [...g.node].reverse());
    const r = buildGraphIndex(reversed);
    assertValidOrder(reversed, r);
    assert.deepEqual(r.topoOrder, [2, 1, 0]);
  });

  test('independent branches keep their original relative order', () => {
    // a and b are both free; c needs a; d needs b. Smallest-index-first gives 0,1,2,3 when sorted
    // and a valid, original-order-preferring order when listed consumers first.
    const d = decodeGraph({
      input: [{ name: 'x' }],
      node: [
        { opType: 'C', input: ['a'], output: ['c'] }, // 0
        { opType: 'D', input: ['b'], output: ['d'] }, // 1
        { opType: 'A', input: ['x'], output: ['a'] }, // 2
        { opType: 'B', input: ['x'], output: ['b'] }, // 3
        { opType: 'E', input: ['x'], output: ['e'] }, // 4
      ],
    });
    const di = buildGraphIndex(d);
    assertValidOrder(d, di);
    assert.deepEqual(di.topoOrder, [2, 0, 3, 1, 4]);
    assert.deepEqual(di.topoOrder, smallestTopoOrder(d, di));
  });

  test('a 20,000-node chain listed backwards sorts in linear-ish time', () => {
    const nodes: onnx.INodeProto[] = [];
    for (let i = 0; i < 20_000; i++) nodes.push({ opType: 'Relu', input: [i ? `t${i - 1}` : 'x'], output: [`t${i}`] });
    const chain = decodeGraph({ input: [{ name: 'x' }], node: nodes.reverse(), output: [{ name: 't19999' }] });
    const t0 = performance.now();
    const ci = buildGraphIndex(chain);
    const ms = performance.now() - t0;
    assertValidOrder(chain, ci);
    assert.equal(ci.topoOrder[0], 19_999);
    assert.deepEqual(ci.problems, []);
    assert.ok(ms < 2000, `${ms} ms`);
  });
});

describe('buildGraphIndex on subgraphs', () => {
  const model = decodeModel(new MemorySource(graphModel({
    input: [{ name: 'x' }, { name: 'cond' }],
    initializer: [{ name: 'k', dims: [1], dataType: 1, floatData: [2] }],
    node: [
      { name: 'pre', opType: 'Relu', input: ['x'], output: ['h'] },
      {
        name: 'if', opType: 'If', input: ['cond'], output: ['y'],
        attribute: [
          {
            name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH,
            g: {
              name: 'then',
              node: [
                { opType: 'Add', input: ['h', 'k'], output: ['t1'] }, // outer node output + outer initializer
                {
                  opType: 'If', input: ['cond'], output: ['t2'],
                  attribute: [{
                    name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH,
                    g: { name: 'inner', node: [{ opType: 'Mul', input: ['t1', 'x'], output: ['t3'] }], output: [{ name: 't3' }] },
                  }],
                },
              ],
              output: [{ name: 't2' }],
            },
          },
          {
            name: 'else_branch', type: onnx.AttributeProto.AttributeType.GRAPH,
            g: { name: 'else', node: [{ opType: 'Neg', input: ['nowhere'], output: ['e1'] }], output: [{ name: 'e1' }] },
          },
        ],
      },
      {
        name: 'loop', opType: 'Loop', input: ['', 'cond', 'x'], output: ['z'],
        attribute: [{
          name: 'body', type: onnx.AttributeProto.AttributeType.GRAPH,
          g: {
            name: 'body',
            input: [{ name: 'iter' }, { name: 'c_in' }, { name: 'v_in' }],
            node: [{ opType: 'Add', input: ['v_in', 'iter'], output: ['v_out'] }, { opType: 'Identity', input: ['c_in'], output: ['c_out'] }],
            output: [{ name: 'c_out' }, { name: 'v_out' }],
          },
        }],
      },
    ],
    output: [{ name: 'y' }, { name: 'z' }],
  }), 'sub.onnx')).model;
  const g = model.graph!;
  const outer = new Set<string>(['x', 'cond', 'k', 'h', 'y', 'z']);
  const attr = (n: number, name: string): Graph => g.node[n]!.attribute.find((a) => a.name === name)!.g!;

  test('outer-scope names are not dangling when passed in; without them they are', () => {
    const then = attr(1, 'then_branch');
    assert.deepEqual(buildGraphIndex(then, outer).problems, []);
    const alone = buildGraphIndex(then);
    assert.deepEqual(alone.consumers.get('x'), [1], 'read by the nested If, nothing defines it here');
    assert.deepEqual(alone.problems.map((p) => [p.kind, p.tensor, p.nodes]), [
      ['dangling-input', 'h', [0]],
      ['dangling-input', 'k', [0]],
      ['dangling-input', 'cond', [1]],
      ['dangling-input', 'x', [1]], // read by the nested If's own subgraph
    ]);
  });

  test('a nested subgraph sees both enclosing scopes', () => {
    const then = attr(1, 'then_branch');
    const inner = then.node[1]!.attribute[0]!.g!;
    const scope = new Set([...outer, 't1', 't2']);
    assert.deepEqual(buildGraphIndex(inner, scope).problems, []);
    assert.deepEqual(buildGraphIndex(inner, new Set(['t1'])).problems.map((p) => p.tensor), ['x']);
  });

  test('a name defined nowhere stays dangling with the outer scope; loop body inputs are defined', () => {
    const els = buildGraphIndex(attr(1, 'else_branch'), outer);
    assert.deepEqual(els.problems.map((p) => [p.kind, p.tensor]), [['dangling-input', 'nowhere']]);
    const body = buildGraphIndex(attr(2, 'body'), outer);
    assert.deepEqual(body.problems, []);
    assert.deepEqual(body.inputs.map((v) => v.name), ['iter', 'c_in', 'v_in']);
  });

  test('the main graph does not see subgraph-internal names', () => {
    const main = buildGraphIndex(g);
    assert.equal(main.producer.get('t1'), undefined);
    assert.equal(main.consumers.get('t1'), undefined);
    assert.deepEqual(main.topoOrder, [0, 1, 2]);
  });

  test('what a subgraph reads from outside counts as a read of the node that owns it', () => {
    const main = buildGraphIndex(g);
    // then_branch reads h and k, its nested If reads x, else_branch reads nowhere; cond is an input of 'if' anyway.
    assert.deepEqual(main.implicitInputs.get(1), ['h', 'k', 'x', 'nowhere']);
    assert.equal(main.implicitInputs.has(0), false);
    assert.equal(main.implicitInputs.has(2), false, 'the loop body reads only its own inputs');
    assert.deepEqual(main.consumers.get('h'), [1]);
    assert.deepEqual(main.consumers.get('x'), [0, 1, 2]);
    assert.deepEqual(main.consumers.get('cond'), [1, 2], "'if' reads cond through its input, listed once");
    assert.deepEqual(main.consumers.get('nowhere'), [1], 'a name nothing defines, read through a subgraph');
    assert.deepEqual([...main.consumers.keys()], ['x', 'cond', 'h', 'k', 'nowhere']);
    assert.deepEqual(main.problems.map((p) => [p.kind, p.tensor, p.nodes, p.message]), [
      ['dangling-input', 'nowhere', [1], "node 'if' reads 'nowhere' in a subgraph, which no node, initializer or graph input defines"],
    ]);
  });

  test("a node whose subgraph reads a later node's output is ordered after that node", () => {
    // An If whose then-branch holds `branch`, then a Relu that makes 't' after it.
    const ifThenRelu = (branch: onnx.INodeProto[]): Graph => decodeGraph({
      input: [{ name: 'x' }, { name: 'cond' }],
      node: [
        {
          name: 'if', opType: 'If', input: ['cond'], output: ['y'],
          attribute: [{ name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: { name: 'then', node: branch, output: [{ name: 'u' }] } }],
        },
        { name: 'relu', opType: 'Relu', input: ['x'], output: ['t'] },
      ],
      output: [{ name: 'y' }],
    });
    const later = ifThenRelu([{ opType: 'Identity', input: ['t'], output: ['u'] }]);
    const idx = buildGraphIndex(later);
    assert.deepEqual(idx.consumers.get('t'), [0]);
    assert.deepEqual(idx.topoOrder, [1, 0]);
    assert.deepEqual(idx.problems, []);
    assertValidOrder(later, idx);
    // A subgraph that defines the name itself shadows the outer one: no read, file order kept.
    const shadowed = ifThenRelu([{ opType: 'Relu', input: ['x'], output: ['t'] }, { opType: 'Identity', input: ['t'], output: ['u'] }]);
    const si = buildGraphIndex(shadowed);
    assert.deepEqual(si.implicitInputs.get(0), ['x']);
    assert.equal(si.consumers.get('t'), undefined);
    assert.deepEqual(si.topoOrder, [0, 1]);
  });

  test('a name an inner branch defines is free again for the levels around it, and for its sibling', () => {
    const graphAttr = (name: string, g: onnx.IGraphProto) => ({ name, type: onnx.AttributeProto.AttributeType.GRAPH, g });
    const nested = decodeGraph({
      input: [{ name: 'cond' }],
      node: [
        { name: 'p', opType: 'Relu', input: ['cond'], output: ['p_out'] },
        {
          name: 'outer', opType: 'If', input: ['cond'], output: ['y'],
          attribute: [
            graphAttr('then_branch', {
              name: 'then',
              node: [
                // the inner If defines 'a' inside its branch, then this level reads 'a': from outside.
                { opType: 'If', input: ['cond'], output: ['i'], attribute: [graphAttr('then_branch', { name: 'inner', node: [{ opType: 'Relu', input: ['p_out'], output: ['a'] }], output: [{ name: 'a' }] })] },
                { opType: 'Add', input: ['i', 'a'], output: ['t'] },
              ],
              output: [{ name: 't' }],
            }),
            // the sibling branch reads 'a' too: defined only inside the other branch's inner If.
            graphAttr('else_branch', { name: 'else', node: [{ opType: 'Neg', input: ['a'], output: ['e'] }], output: [{ name: 'e' }] }),
          ],
        },
      ],
      output: [{ name: 'y' }],
    });
    const idx = buildGraphIndex(nested);
    assert.deepEqual(idx.implicitInputs.get(1), ['p_out', 'a']);
    assert.deepEqual(idx.consumers.get('p_out'), [1]);
    assert.deepEqual(idx.problems.map((p) => [p.kind, p.tensor, p.nodes]), [['dangling-input', 'a', [1]]]);
  });
});

function checkRealModel(file: string): void {
  const decoded = openModelFile(file);
  try {
    const g = decoded.model.graph!;
    const idx = buildGraphIndex(g);
    assertValidOrder(g, idx);
    assert.deepEqual(idx.problems, [], `${path.basename(file)}: ${idx.problems.map((p) => p.message).join('; ')}`);
    // Exporters write nodes in topological order: a stable sort keeps it.
    assert.deepEqual(idx.topoOrder, g.node.map((_, i) => i));
    // Producers and consumers agree with the nodes.
    g.node.forEach((n, i) => {
      for (const o of n.output) if (o) assert.equal(idx.producer.get(o), i);
      for (const inp of n.input) if (inp) assert.ok(idx.consumers.get(inp)!.includes(i));
    });
    let consumerEntries = 0;
    for (const list of idx.consumers.values()) consumerEntries += list.length;
    assert.equal(consumerEntries, g.node.reduce((a, n) => a + n.input.filter((s) => s !== '').length, 0));
    // Reversed and interleaved node lists still give a valid, smallest-index-first order.
    for (const shuffled of [[...g.node].reverse(), interleave(g.node)]) {
      const sg = withNodes(g, shuffled);
      const si = buildGraphIndex(sg);
      assertValidOrder(sg, si);
      assert.deepEqual(si.problems, []);
      assert.deepEqual(si.topoOrder, smallestTopoOrder(sg, si));
    }
  } finally {
    decoded.source.close?.();
  }
}

/** Odd positions first, then even: a deterministic shuffle that breaks the exported order. */
function interleave<T>(xs: readonly T[]): T[] {
  return [...xs.filter((_, i) => i % 2 === 1), ...xs.filter((_, i) => i % 2 === 0)];
}

describe('buildGraphIndex against a plain reference on random graphs', () => {
  /** Small deterministic PRNG (mulberry32). */
  const rng = (seed: number) => (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  /**
   * Producers (first writer), consumer lists (node order, a node twice when it reads twice, names in
   * first-read order) and dangling reads, computed with plain Maps.
   */
  function reference(g: Graph): { producer: [string, number][]; consumers: [string, number[]][]; dangling: [string, number][] } {
    const producer = new Map<string, number>();
    g.node.forEach((n, i) => n.output.forEach((o) => o && !producer.has(o) && producer.set(o, i)));
    const consumers = new Map<string, number[]>();
    const defined = new Set([...g.initializer.map((t) => t.name), ...g.input.map((v) => v.name)]);
    const dangling: [string, number][] = [];
    g.node.forEach((n, i) =>
      n.input.forEach((x) => {
        if (!x) return;
        consumers.set(x, [...(consumers.get(x) ?? []), i]);
        if (!producer.has(x) && !defined.has(x)) dangling.push([x, i]);
      }),
    );
    return { producer: [...producer], consumers: [...consumers], dangling };
  }

  /**
   * The consumers view of fresh indexes of `g` agrees with the reference whichever way it is first
   * used: reads of names nothing defines get their ids only when the view is asked about a name it
   * has no id for, counted or listed. Lists handed out before that stay the same arrays after.
   */
  function assertConsumersOnFirstUse(g: Graph, ref: ReturnType<typeof reference>, names: readonly string[]): void {
    const expected = new Map(ref.consumers);
    const defined = names.filter((name) => expected.has(name) && !ref.dangling.some(([x]) => x === name));
    const byGet = buildGraphIndex(g).consumers;
    const early = defined.map((name) => byGet.get(name));
    for (const name of names) assert.deepEqual(byGet.get(name), expected.get(name), `get ${name}`);
    defined.forEach((name, i) => assert.equal(byGet.get(name), early[i], `same list for ${name}`));
    assert.deepEqual([...byGet].map(([k, v]) => [k, [...v]]), ref.consumers);
    const byHas = buildGraphIndex(g).consumers;
    for (const name of names) assert.equal(byHas.has(name), expected.has(name), `has ${name}`);
    assert.equal(buildGraphIndex(g).consumers.size, ref.consumers.length);
    assert.deepEqual([...buildGraphIndex(g).consumers.keys()], ref.consumers.map(([k]) => k));
    assert.deepEqual([...buildGraphIndex(g).consumers.values()].map((v) => [...v]), ref.consumers.map(([, v]) => v));
    const byForEach: [string, number[]][] = [];
    buildGraphIndex(g).consumers.forEach((v, k) => byForEach.push([k, [...v]]));
    assert.deepEqual(byForEach, ref.consumers);
  }

  for (let seed = 1; seed <= 40; seed++) {
    test(`seed ${seed}: producer, consumers, dangling reads and order agree with the reference`, () => {
      const r = rng(seed);
      const pool = Array.from({ length: 5 + Math.floor(r() * 60) }, (_, i) => `t${i}`);
      const pick = (): string => (r() < 0.1 ? '' : pool[Math.floor(r() * pool.length)]!);
      const some = (max: number): string[] => Array.from({ length: Math.floor(r() * (max + 1)) }, pick);
      const g = decodeGraph({
        input: some(4).filter(Boolean).map((name) => ({ name })),
        initializer: some(4).filter(Boolean).map((name) => ({ name, dims: [1], dataType: 1, floatData: [1] })),
        node: Array.from({ length: 1 + Math.floor(r() * 80) }, () => ({ opType: 'Op', input: some(4), output: some(2) })),
      });
      const idx = buildGraphIndex(g);
      const ref = reference(g);
      assert.deepEqual([...idx.producer], ref.producer);
      assert.deepEqual([...idx.consumers].map(([k, v]) => [k, [...v]]), ref.consumers);
      assert.equal(idx.producer.size, ref.producer.length);
      assert.equal(idx.consumers.size, ref.consumers.length);
      const producer = new Map(ref.producer);
      const consumers = new Map(ref.consumers);
      for (const name of [...pool, '', 'never']) {
        assert.equal(idx.producer.get(name), producer.get(name), name);
        assert.equal(idx.producer.has(name), producer.has(name), name);
        assert.deepEqual(idx.consumers.get(name), consumers.get(name), name);
        assert.equal(idx.consumers.has(name), consumers.has(name), name);
      }
      const dangling = idx.problems.filter((p) => p.kind === 'dangling-input').map((p) => [p.tensor, p.nodes[0]]);
      assert.deepEqual(dangling, ref.dangling);
      assertConsumersOnFirstUse(g, ref, [...pool, '', 'never']);
      if (!idx.problems.some((p) => p.kind === 'cycle')) {
        assertValidOrder(g, idx);
        assert.deepEqual(idx.topoOrder, smallestTopoOrder(g, idx));
      }
    });
  }

  test('names of one length that differ in one character each keep their own producer and consumers', () => {
    // The index looks a read up first in a small cache keyed by a few characters: these names
    // share keys, and each read must still find its own name.
    const base = 'abcdefghijklmnopqrstuvwxyz0123456789ABCD';
    const names = [base, ...Array.from(base, (_, at) => `${base.slice(0, at)}_${base.slice(at + 1)}`)];
    const r = rng(7);
    const pick = (): string => names[Math.floor(r() * names.length)]!;
    const g = decodeGraph({
      initializer: [{ name: names[3]!, dims: [1], dataType: 1, floatData: [1] }],
      node: [
        ...names.slice(0, 20).map((name) => ({ opType: 'Op', input: [pick(), pick()], output: [name] })),
        ...Array.from({ length: 200 }, (_, i) => ({ opType: 'Op', input: [pick(), pick(), pick()], output: i % 9 ? [] : [pick()] })),
      ],
    });
    const idx = buildGraphIndex(g);
    const ref = reference(g);
    assert.deepEqual([...idx.producer], ref.producer);
    assert.deepEqual([...idx.consumers].map(([k, v]) => [k, [...v]]), ref.consumers);
    assert.deepEqual(idx.problems.filter((p) => p.kind === 'dangling-input').map((p) => [p.tensor, p.nodes[0]]), ref.dangling);
    for (const name of names) assert.deepEqual(idx.consumers.get(name), new Map(ref.consumers).get(name), name);
  });

  test('after thousands of reads of distinct names (the cache of recent names then skipped), reads still find their names', () => {
    const r = rng(11);
    const undefinedNames = Array.from({ length: 6000 }, (_, i) => `u${i}`);
    const g = decodeGraph({
      initializer: [{ name: 'w', dims: [1], dataType: 1, floatData: [1] }],
      node: [
        { opType: 'Op', input: ['w'], output: ['p0'] },
        { opType: 'Op', input: undefinedNames, output: ['p1'] },
        ...Array.from({ length: 300 }, (_, i) => ({
          opType: 'Op',
          input: [`p${i % 3}`, undefinedNames[Math.floor(r() * 6000)]!, `u${i % 7}`, 'w', i % 5 ? `p${i + 1}` : ''],
          output: [`p${i + 2}`],
        })),
      ],
    });
    const idx = buildGraphIndex(g);
    const ref = reference(g);
    assert.deepEqual([...idx.producer], ref.producer);
    assert.deepEqual([...idx.consumers].map(([k, v]) => [k, [...v]]), ref.consumers);
    assert.deepEqual(idx.problems.filter((p) => p.kind === 'dangling-input').map((p) => [p.tensor, p.nodes[0]]), ref.dangling);
    assertConsumersOnFirstUse(g, ref, ['p0', 'p1', 'w', 'u3', 'u5000', 'p7', 'never']);
  });

  test('an index describes the graph as it was built, also for reads that get their ids later, when a node is given new lists after it (as edits do)', () => {
    for (const edit of ['drop the dangling read', 'add a read before it'] as const) {
      const g = decodeGraph({
        input: [{ name: 'a' }],
        node: [
          { name: 'n0', opType: 'Op', input: ['a'], output: ['b'] },
          { name: 'n1', opType: 'Op', input: ['b', 'dang'], output: ['c'] },
        ],
        output: [{ name: 'c' }],
      });
      const idx = buildGraphIndex(g);
      if (edit === 'drop the dangling read') g.node[1]!.input = ['b'];
      else g.node[0]!.input = ['a', 'x'];
      assert.equal(idx.consumers.size, 3, edit);
      assert.deepEqual([...idx.consumers].map(([k, v]) => [k, [...v]]), [['a', [0]], ['b', [1]], ['dang', [1]]], edit);
    }
  });

  test('names nothing defines, read many times among defined ones, get their ids after the reads (or when asked for) and keep their consumers', () => {
    // Dangling reads get their ids only after all reads (then in one go): repeats across nodes and
    // within a node must meet the same id, in between reads of produced names, initializers and
    // graph inputs first read after them; consumers keep the first-read order of all names.
    const r = rng(23);
    const undefinedNames = Array.from({ length: 1500 }, (_, i) => `x${(i * 7919) % 1500}`);
    const g = decodeGraph({
      input: [{ name: 'in' }],
      initializer: Array.from({ length: 50 }, (_, i) => ({ name: `w${i}`, dims: [1], dataType: 1, floatData: [1] })),
      node: Array.from({ length: 400 }, (_, i) => ({
        opType: 'Op',
        input: [
          undefinedNames[Math.floor(r() * 1500)]!,
          i > 0 ? `p${Math.floor(r() * i)}` : 'in',
          `w${Math.floor(r() * 50)}`,
          ...undefinedNames.slice((i * 13) % 1500, ((i * 13) % 1500) + 12),
          i % 3 ? 'in' : '',
          undefinedNames[i % 40]!,
        ],
        output: [`p${i}`],
      })),
    });
    const idx = buildGraphIndex(g);
    const ref = reference(g);
    assert.ok(ref.dangling.length > 5000, 'thousands of dangling reads');
    assert.deepEqual([...idx.producer], ref.producer);
    assert.deepEqual([...idx.consumers].map(([k, v]) => [k, [...v]]), ref.consumers);
    assert.equal(idx.consumers.size, ref.consumers.length);
    const consumers = new Map(ref.consumers);
    for (const name of [...undefinedNames, 'in', 'w3', 'p7', 'never']) assert.deepEqual(idx.consumers.get(name), consumers.get(name), name);
    assert.deepEqual(idx.problems.filter((p) => p.kind === 'dangling-input').map((p) => [p.tensor, p.nodes[0]]), ref.dangling);
    assertValidOrder(g, idx);
    assertConsumersOnFirstUse(g, ref, ['in', 'w3', 'p7', ...undefinedNames.slice(0, 300), 'never']);
  });
});

describe('buildGraphIndex on real models', () => {
  const local = fs.existsSync(localOnnxFixtures) ? fs.readdirSync(localOnnxFixtures).filter((f) => f.endsWith('.onnx')).sort() : [];
  for (const f of local) test(`builder fixture ${f}`, () => checkRealModel(path.join(localOnnxFixtures, f)));

  const shared = sharedOnnxModels({ cases: 6 });
  for (const file of shared) test(`shared corpus ${path.basename(file)}`, () => checkRealModel(file));
});
