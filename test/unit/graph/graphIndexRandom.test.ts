/**
 * buildGraphIndex against a plain reference on random graphs with subgraphs (If/Loop-like bodies
 * up to three levels deep, as one `g` or a `graphs` list) that read names from outside, names
 * nothing defines, '' reads, an outer scope, and every tenth graph a flood of thousands of distinct
 * names (the cache of recent names then skipped). Each graph is indexed four times, and each index
 * used first in a random order (get, has, size, keys, forEach, a partly read iterator, producer):
 * reads of names nothing defines get their ids only when the consumers view needs them, which must
 * never show. Also with every name hashed alike (NameIds then moves to a Map) and with only eight
 * hash values (long probes).
 */
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildGraphIndex } from '../../../src/core/graph/index';
import { NameIds } from '../../../src/core/graph/nameIds';
import type { Graph, Node } from '../../../src/core/onnx/index';

/** Small deterministic PRNG (mulberry32). */
const rngOf = (seed: number) => (): number => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

type Hashing = 'plain' | 'all alike' | 'eight values';

/** Run `f` with NameIds hashing names as `mode` says, then as before. */
function withHashing(mode: Hashing, f: () => void): void {
  const plain = NameIds.prototype.hash;
  if (mode === 'all alike') NameIds.prototype.hash = () => 12345;
  else if (mode === 'eight values') NameIds.prototype.hash = function (this: NameIds, s: string) { return plain.call(this, s) & 0x700; };
  try {
    f();
  } finally {
    NameIds.prototype.hash = plain;
  }
}

function graph(p: { input?: string[]; init?: string[]; node: Node[]; output?: string[] }): Graph {
  return {
    node: p.node,
    initializer: (p.init ?? []).map((name) => ({ name })),
    sparseInitializer: [],
    input: (p.input ?? []).map((name) => ({ name })),
    output: (p.output ?? []).map((name) => ({ name })),
    valueInfo: [],
  } as unknown as Graph;
}

function node(input: string[], output: string[], subgraphs: Graph[] = [], asList = false): Node {
  const attribute = subgraphs.length === 0 ? [] : asList ? [{ name: 'gs', graphs: subgraphs }] : subgraphs.map((g, k) => ({ name: `b${k}`, g, graphs: [] }));
  return { name: '', opType: 'Op', input, output, attribute } as unknown as Node;
}

function subgraphsOf(n: Node): Graph[] {
  const out: Graph[] = [];
  for (const a of n.attribute) {
    if (a.g) out.push(a.g);
    if (a.graphs?.length) out.push(...a.graphs);
  }
  return out;
}

/** Names `g` (and the subgraphs in it) read that neither it nor `scopes` define, into `out`. */
function freeNames(g: Graph, scopes: Set<string>[], out: Set<string>): void {
  const mine = new Set<string>();
  for (const v of g.input) if (v.name) mine.add(v.name);
  for (const t of g.initializer) if (t.name) mine.add(t.name);
  for (const n of g.node) for (const o of n.output) if (o) mine.add(o);
  const all = [...scopes, mine];
  const read = (x: string): void => {
    if (x && !all.some((s) => s.has(x))) out.add(x);
  };
  for (const n of g.node) {
    for (const x of n.input) read(x);
    for (const s of subgraphsOf(n)) freeNames(s, all, out);
  }
  for (const v of g.output) read(v.name);
}

/** Producers, implicit inputs, consumers (first-read order) and dangling reads, with plain Maps. */
function reference(g: Graph, outer: Set<string>) {
  const producer = new Map<string, number>();
  g.node.forEach((n, i) => n.output.forEach((o) => o && !producer.has(o) && producer.set(o, i)));
  const defined = new Set([...g.initializer.map((t) => t.name), ...g.input.map((v) => v.name), ...outer]);
  const implicit = new Map<number, string[]>();
  g.node.forEach((n, i) => {
    const s = new Set<string>();
    for (const sg of subgraphsOf(n)) freeNames(sg, [], s);
    for (const x of n.input) s.delete(x);
    if (s.size) implicit.set(i, [...s]);
  });
  const consumers = new Map<string, number[]>();
  const dangling: [string, number][] = [];
  g.node.forEach((n, i) => {
    for (const x of [...n.input, ...(implicit.get(i) ?? [])]) {
      if (!x) continue;
      consumers.set(x, [...(consumers.get(x) ?? []), i]);
      if (!producer.has(x) && !defined.has(x)) dangling.push([x, i]);
    }
  });
  return { producer, consumers, implicit, dangling };
}

function randomGraph(r: () => number, flood: boolean): { g: Graph; outer: Set<string>; names: string[] } {
  const pool = Array.from({ length: 3 + Math.floor(r() * 30) }, (_, i) => `t${i}`);
  const dangling = Array.from({ length: 1 + Math.floor(r() * 20) }, (_, i) => `d${i}`);
  const many = flood ? Array.from({ length: 3000 + Math.floor(r() * 6000) }, (_, i) => `u${i}`) : [];
  const outer = r() < 0.3 ? pool.filter(() => r() < 0.2) : [];
  const pick = (): string => {
    const x = r();
    if (x < 0.08) return '';
    if (x < 0.5) return pool[Math.floor(r() * pool.length)]!;
    if (x < 0.85 || many.length === 0) return dangling[Math.floor(r() * dangling.length)]!;
    return many[Math.floor(r() * many.length)]!;
  };
  const some = (max: number): string[] => Array.from({ length: Math.floor(r() * (max + 1)) }, pick);
  const sub = (depth: number): Graph => {
    const local = Array.from({ length: Math.floor(r() * 3) }, (_, i) => `s${depth}_${i}_${Math.floor(r() * 4)}`);
    const localPick = (): string => (r() < 0.3 && local.length ? local[Math.floor(r() * local.length)]! : pick());
    const nodes = Array.from({ length: 1 + Math.floor(r() * 3) }, () =>
      node(
        Array.from({ length: Math.floor(r() * 4) }, localPick),
        r() < 0.5 ? [local[Math.floor(r() * Math.max(1, local.length))] ?? 'z'] : [],
        depth < 2 && r() < 0.3 ? [sub(depth + 1)] : [],
      ),
    );
    return graph({ input: r() < 0.3 ? [localPick()].filter(Boolean) : [], node: nodes, output: r() < 0.5 ? [localPick()].filter(Boolean) : [] });
  };
  const nodes: Node[] = [];
  const count = 1 + Math.floor(r() * 60);
  for (let i = 0; i < count; i++) {
    const input = flood && i === 0 ? many.slice() : some(5);
    nodes.push(node(input, some(2), r() < 0.25 ? Array.from({ length: 1 + Math.floor(r() * 2) }, () => sub(0)) : [], r() < 0.5));
  }
  if (flood) for (let i = 0; i < 20; i++) nodes.push(node([many[Math.floor(r() * many.length)]!, pick(), many[i]!, dangling[i % dangling.length]!], [`q${i}`]));
  const g = graph({ input: some(3).filter(Boolean), init: some(3).filter(Boolean), node: nodes, output: [...some(3).filter(Boolean), dangling[0]!] });
  return { g, outer: new Set(outer), names: [...pool, ...dangling, ...many.slice(0, 30), '', 'never', 'z', 's0_0_0'] };
}

const plain = (m: ReadonlyMap<string, readonly number[]>): [string, number[]][] => [...m].map(([k, v]) => [k, [...v]]);

function check(seed: number, flood: boolean): void {
  const r = rngOf(seed);
  const { g, outer, names } = randomGraph(r, flood);
  const ref = reference(g, outer);
  for (let trial = 0; trial < 4; trial++) {
    const idx = buildGraphIndex(g, outer);
    assert.deepEqual([...idx.implicitInputs], [...ref.implicit], 'implicit inputs');
    assert.deepEqual([...idx.producer], [...ref.producer], 'producer');
    assert.deepEqual(idx.problems.filter((p) => p.kind === 'dangling-input').map((p) => [p.tensor, p.nodes[0]]), ref.dangling, 'dangling reads');
    const handed = new Map<string, readonly number[]>();
    let open: Iterator<[string, readonly number[]]> | undefined;
    for (let step = 1 + Math.floor(r() * 6); step > 0; step--) {
      const name = names[Math.floor(r() * names.length)]!;
      switch (Math.floor(r() * 9)) {
        case 0:
        case 1:
        case 2: {
          const v = idx.consumers.get(name);
          assert.deepEqual(v && [...v], ref.consumers.get(name), `get ${name}`);
          if (v) {
            if (handed.has(name)) assert.equal(v, handed.get(name), `the same list for ${name}`);
            handed.set(name, v);
          }
          break;
        }
        case 3:
          assert.equal(idx.consumers.has(name), ref.consumers.has(name), `has ${name}`);
          break;
        case 4:
          assert.equal(idx.consumers.size, ref.consumers.size, 'size');
          break;
        case 5:
          assert.deepEqual([...idx.consumers.keys()], [...ref.consumers.keys()], 'keys');
          break;
        case 6: {
          const seen: [string, number[]][] = [];
          idx.consumers.forEach((v, k) => seen.push([k, [...v]]));
          assert.deepEqual(seen, [...ref.consumers], 'forEach');
          break;
        }
        case 7:
          (open ??= idx.consumers[Symbol.iterator]()).next();
          break;
        case 8:
          assert.equal(idx.producer.get(name), ref.producer.get(name), `producer of ${name}`);
          assert.equal(idx.producer.has(name), ref.producer.has(name), `producer has ${name}`);
          assert.equal(idx.producer.size, ref.producer.size, 'producer size');
          break;
      }
    }
    for (const [k, v] of handed) assert.equal(idx.consumers.get(k), v, `the same list for ${k} at the end`);
    assert.deepEqual(plain(idx.consumers), [...ref.consumers], 'entries');
    assert.deepEqual([...idx.consumers.values()].map((v) => [...v]), [...ref.consumers.values()], 'values');
    for (const n of names) assert.deepEqual(idx.consumers.get(n) && [...idx.consumers.get(n)!], ref.consumers.get(n), `get ${n} at the end`);
    assert.deepEqual([...idx.producer], [...ref.producer], 'producer at the end');
  }
}

describe('buildGraphIndex on random graphs with subgraphs, used first in random orders', () => {
  for (const hashing of ['plain', 'all alike', 'eight values'] as const) {
    test(`names hashed ${hashing}: 60 graphs agree with the reference`, () => {
      withHashing(hashing, () => {
        for (let seed = 1; seed <= 60; seed++) {
          try {
            check(seed, seed % 10 === 0);
          } catch (e) {
            (e as Error).message = `seed ${seed}: ${(e as Error).message}`;
            throw e;
          }
        }
      });
    });
  }
});
