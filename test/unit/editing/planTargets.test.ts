/**
 * exportPlan's whole-target check resolves each enable part's target with `targetResolver`, an
 * index of the model's nodes built once (before, resolveTarget scanned the model once per part:
 * ~0.8 s for 237 module enables on the 50k-node bench model). It must name the same nodes as
 * resolveTarget for every kind of target, and refuse the same ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { moduleOfNodeName, resolveTarget } from '../../../src/core/editing/index';
import { targetResolver } from '../../../src/core/editing/plan';
import { build, graphOf } from './kit';

const COMPUTE = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

test('targetResolver names the nodes resolveTarget names (names, labels, scopes, modules), and refuses what it refuses', () => {
  const nodes = graphOf(build().decoded).node;
  const convs = nodes.flatMap((n, i) => (n.opType === 'Conv' ? [i] : []));
  // Unnamed nodes (labels), a node named like a module and one like a scope (a name wins), two
  // nodes of one name, a compute node with an unscoped name, a name with regular-expression characters.
  nodes[convs[1]!]!.name = '';
  nodes[convs[2]!]!.name = '';
  nodes[nodes.findIndex((n) => n.opType === 'Sigmoid')]!.name = 'model.2';
  nodes[nodes.findIndex((n) => n.opType === 'Add')]!.name = '/model.4/';
  nodes[convs[5]!]!.name = nodes[convs[6]!]!.name;
  nodes[convs[7]!]!.name = 'plainConv';
  nodes[convs[8]!]!.name = '/model.3/cv1 (x)/con.v+/Conv';
  // A module spelled like the label of a named node: the label is refused, not read as the module.
  nodes[convs[9]!]!.name = `/Conv#${convs[0]}/conv/Conv`;

  const targets = new Set<string>(['', '  ', '/', '/nope/', '/nope', 'model', 'model.99', 'model.2 ', ' /model.2/', 'Conv#99999', 'model.', 'model.2.', '/model.2//']);
  nodes.forEach((n, i) => {
    targets.add(n.name);
    targets.add(`${n.opType}#${i}`); // a label: of an unnamed node it names it, of a named one it is refused
    targets.add(`Relu#${i}`);
    if (!COMPUTE.has(n.opType) || !n.name) return;
    for (let k = n.name.indexOf('/'); k !== -1; k = n.name.indexOf('/', k + 1)) {
      targets.add(n.name.slice(0, k + 1));
      targets.add(n.name.slice(0, k));
    }
    const m = moduleOfNodeName(n.name);
    if (m === null) return;
    for (let k = m.indexOf('.'); k !== -1; k = m.indexOf('.', k + 1)) targets.add(m.slice(0, k)).add(m.slice(0, k + 1));
    targets.add(m);
  });

  const resolve = targetResolver(nodes);
  const index = (list: readonly unknown[]) => list.map((n) => nodes.indexOf(n as never));
  let named = 0;
  let refused = 0;
  for (const t of targets) {
    let expected: number[] | undefined;
    try {
      expected = index(resolveTarget(nodes, t));
    } catch {
      expected = undefined;
    }
    const got = resolve(t);
    assert.deepEqual(got && index(got), expected, `target ${JSON.stringify(t)}`);
    if (expected) named++;
    else refused++;
  }
  // The table covers both outcomes and every kind of target.
  assert.ok(named > 100 && refused > 100, `${named} named, ${refused} refused`);
  for (const t of ['model.2', '/model.4/', 'model.4', '/model.4', 'plainConv', `Conv#${convs[1]}`, '/model.3/cv1 (x)/']) assert.ok(resolve(t)?.length, t);
  assert.equal(resolve('model.2')!.length, 1, 'a node name wins over a module');
  assert.equal(resolve(`Conv#${convs[0]}`), undefined, 'a label of a named node is refused');
  assert.equal(resolve(nodes[convs[6]!]!.name)!.length, 2, 'both nodes of a name');
});
