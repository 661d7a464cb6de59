/**
 * A differential property test of the producer/reader/name maps kept between edits
 * (src/core/editing/maps.ts). Two sessions over two decodes of one model take the same random
 * steps: edits of every kind the session supports (disable/enable a layer or module, unify scales,
 * remove/insert/move a Q/DQ pair, rewire an input, set a zero point or an attribute, a fix of the
 * analysis, batches of them, Fix All), undo, redo, save, back to the save point, the backup log,
 * and a node renamed outside the edits (another journal, which the kept maps must notice).
 * Session A keeps its maps as the product does. Session B gets maps built from its graph before
 * every step, marked so that its edit does not trust them for names or validation (`rebuildMaps`):
 * it looks names up by scanning, and validates the whole graph, as edits did before the maps were
 * kept. After each step both must have done the same (the same result or the same refusal, word for
 * word), hold the same graph (bytes after the steps that save or write it and at the end of each
 * sequence; a cheaper text of the graph after the other steps that change it), and A's kept maps
 * must be those built from its node list now.
 *
 * Requests name nodes by index into the current lists of convs, Q/DQ, tensors, ... (read from A's
 * graph), so a shrunk counterexample stays meaningful. Runs: 200 with a fixed seed; set
 * QDQ_KEPT_MAPS_RUNS (and QDQ_KEPT_MAPS_SEED) for a longer local run, which also compares the
 * bytes after every step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeModel, type AnalysisReport, type Fix } from '../../../src/core/analysis/index';
import { buildGraphIndex, nodeLabel } from '../../../src/core/graph/index';
import { EditError, EditSession, fixAll, Journal, yoloModuleOf, type AppliedEdit, type EditRequest, type ScaleMode } from '../../../src/core/editing/index';
import { GraphMaps, keepMaps, keptMaps, takeMaps, type NodeReader } from '../../../src/core/editing/maps';
import { decodeModel, MemorySource, type DecodedModel, type Graph, type Node, type Tensor } from '../../../src/core/onnx/index';
import { build, encode, graphOf, redecode } from './kit';

// ---- models --------------------------------------------------------------------------------------

interface Variant {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** Module names and scope prefixes of the named convs (`model.2`, `model.2.m`, `/model.2/`). */
  readonly modules: readonly string[];
  /** The fixes the analysis offers on the model as built. */
  readonly fixes: readonly Fix[];
}

const analyse = (d: DecodedModel): AnalysisReport => analyzeModel(d, buildGraphIndex(graphOf(d)), {});

function variant(name: string, decoded: DecodedModel, change?: (g: Graph, j: Journal) => void): Variant {
  if (change) change(graphOf(decoded), new Journal());
  const d = change ? redecode(decoded, `${name}.onnx`) : decoded;
  const modules = new Set<string>();
  for (const n of graphOf(d).node) {
    if (n.opType !== 'Conv' || !n.name.startsWith('/')) continue;
    const parts = n.name.split('/');
    modules.add(`/${parts[1]}/`);
    if (parts.length > 4) modules.add(`/${parts[1]}/${parts[2]}/`);
    const m = yoloModuleOf(n.name);
    if (m) modules.add(m);
    if (parts.length > 4) modules.add(`${m}.${parts[2]}`);
  }
  return { name, bytes: encode(d), modules: [...modules].sort(), fixes: analyse(d).findings.flatMap((f) => (f.fix ? [f.fix] : [])) };
}

const VARIANTS: readonly Variant[] = [
  variant('good', build().decoded),
  variant('naive', build({ qdq: 'naive' }).decoded),
  // Value infos, initializer scales, a quantizer shared by a Resize and a Concat, every third node unnamed.
  variant('described', build({ valueInfo: true, scalesAs: 'initializer', sharedUpsampleDq: true }).decoded, (g, j) => {
    g.node.forEach((n, i) => i % 3 === 1 && j.set(n, 'name', ''));
  }),
  // Two convs and two Sigmoids share a name (name lookups scan the list).
  variant('repeated', build().decoded, (g, j) => {
    const convs = g.node.filter((n) => n.opType === 'Conv');
    j.set(convs[3]!, 'name', convs[2]!.name);
    const sigmoids = g.node.filter((n) => n.opType === 'Sigmoid');
    j.set(sigmoids[5]!, 'name', sigmoids[4]!.name);
  }),
  // Defects, and a problem the model already has: an unnamed Mul reads a tensor nobody produces.
  variant('problem', build({ defects: { danglingQ: true, biasQdq: true, missingWeightQdq: true } }).decoded, (g, j) => {
    const mul = g.node.find((n) => n.name === '/model.2/cv2/act/Mul')!;
    j.set(mul, 'name', '');
    j.set(mul, 'input', [mul.input[0]!, 'missing']);
  }),
];

// ---- steps ---------------------------------------------------------------------------------------

/** An edit, naming its nodes and tensors by index (modulo the list's length) into lists of the graph as it is. */
type Edit =
  | { op: 'disable' | 'enable'; layer: number; module: boolean; scale?: number }
  | { op: 'unify'; picks: number[]; mode: ScaleMode }
  | { op: 'unifyConcat'; pick: number; mode: ScaleMode }
  | { op: 'removePair' | 'removeOnTensor' | 'fix'; pick: number }
  | { op: 'insertPair'; pick: number; scale: number; dtype: string; oneConsumer: boolean }
  | { op: 'movePair'; pick: number; to: number }
  | { op: 'rewire'; pick: number; slot: number; to: number }
  | { op: 'setZeroPoint'; picks: number[] }
  | { op: 'setAttribute'; pick: number; value: number | null };

type Step =
  | Edit
  | { op: 'batch'; parts: Edit[] }
  | { op: 'liveFix'; pick: number }
  | { op: 'rename'; pick: number }
  | { op: 'fixAll' | 'undo' | 'redo' | 'save' | 'toSaved' | 'backupLog' };

/** Mostly the first few of a list, so that steps meet on the same nodes. */
const pick = fc.oneof(fc.nat(3), fc.nat(999));
const scale = fc.constantFrom(0.05, 0.1, 0.0125);
const edit: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('disable' as const), layer: pick, module: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('enable' as const), layer: pick, module: fc.boolean(), scale: fc.option(scale, { nil: undefined }) }, { requiredKeys: ['op', 'layer', 'module'] }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('unify' as const), picks: fc.array(pick, { minLength: 2, maxLength: 3 }), mode: fc.constantFrom<ScaleMode>('max', 'min') }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('unifyConcat' as const), pick, mode: fc.constantFrom<ScaleMode>('max', 'min') }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('removePair' as const, 'removeOnTensor' as const, 'fix' as const), pick }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('insertPair' as const), pick, scale, dtype: fc.constantFrom('INT8', 'UINT8', 'FLOAT8E4M3FN'), oneConsumer: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('movePair' as const), pick, to: pick }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('rewire' as const), pick, slot: fc.nat(2), to: pick }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('setZeroPoint' as const), picks: fc.array(pick, { minLength: 1, maxLength: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('setAttribute' as const), pick, value: fc.constantFrom(0, 1, null) }) },
);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 60, arbitrary: edit },
  { weight: 12, arbitrary: fc.record({ op: fc.constant('batch' as const), parts: fc.array(edit, { minLength: 2, maxLength: 4 }) }) },
  // A layer disabled and quantized again in one edit (the names the disable frees are taken again).
  { weight: 3, arbitrary: fc.record({ layer: pick, module: fc.boolean(), scale }).map(({ layer, module, scale }): Step => ({ op: 'batch', parts: [{ op: 'disable', layer, module }, { op: 'enable', layer, module, scale }] })) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('liveFix' as const), pick }) },
  { weight: 30, arbitrary: fc.constantFrom('undo' as const, 'redo' as const).map((op) => ({ op })) },
  { weight: 5, arbitrary: fc.constantFrom('save' as const, 'toSaved' as const, 'backupLog' as const).map((op) => ({ op })) },
  { weight: 1, arbitrary: fc.constant({ op: 'fixAll' as const }) },
  // A change made outside the edits (another journal): the kept maps must not be trusted after it.
  { weight: 2, arbitrary: fc.record({ op: fc.constant('rename' as const), pick }) },
);

const at = <T>(list: readonly T[], i: number): T | undefined => (list.length ? list[i % list.length] : undefined);

/** The request an edit names in graph `g` (nodes by name, unnamed ones by label). */
function requestOf(e: Edit, g: Graph, v: Variant): EditRequest {
  const nodes = g.node;
  const label = (n: Node): string => nodeLabel(n, nodes.indexOf(n));
  const ofType = (...ops: string[]): Node[] => nodes.filter((n) => ops.includes(n.opType));
  const qs = ofType('QuantizeLinear');
  const dqOf = (q: Node): Node | undefined => nodes.find((n) => n.opType === 'DequantizeLinear' && n.input[0] === q.output[0]);
  const tensors = nodes.filter((n) => n.opType !== 'Constant' && n.opType !== 'QuantizeLinear').flatMap((n) => n.output.filter(Boolean));
  const nope = 'nothing';
  switch (e.op) {
    case 'disable':
    case 'enable': {
      const module = e.module ? at(v.modules, e.layer) : undefined;
      const conv = at(ofType('Conv'), e.layer);
      const target = module ?? (conv ? label(conv) : nope);
      if (e.op === 'disable') return { kind: 'disableQuantization', target };
      return { kind: 'enableQuantization', target, ...(e.scale !== undefined ? { activationScale: e.scale } : {}) };
    }
    case 'unify': {
      const qdq = ofType('QuantizeLinear', 'DequantizeLinear');
      return { kind: 'unifyScales', nodes: e.picks.map((p) => { const n = at(qdq, p); return n ? label(n) : nope; }), mode: e.mode };
    }
    case 'unifyConcat': {
      const c = at(ofType('Concat'), e.pick);
      return { kind: 'unifyConcat', node: c ? label(c) : nope, mode: e.mode };
    }
    case 'removePair': {
      const q = at(qs, e.pick);
      const dq = q && dqOf(q);
      return { kind: 'removeQdqPair', quantize: q ? label(q) : nope, dequantize: dq ? label(dq) : null };
    }
    case 'removeOnTensor':
      return { kind: 'removeQdqOnTensor', tensor: at(qs, e.pick)?.input[0] ?? nope };
    case 'fix': {
      const fix = at(v.fixes, e.pick);
      return fix ? { kind: 'applyFix', fix } : { kind: 'disableQuantization', target: nope };
    }
    case 'insertPair': {
      const tensor = at(tensors, e.pick) ?? nope;
      const reader = nodes.find((n) => n.input.includes(tensor));
      return { kind: 'insertQdqPair', tensor, scale: e.scale, dtype: e.dtype, ...(e.oneConsumer && reader ? { consumers: [label(reader)] } : {}) };
    }
    case 'movePair': {
      const q = at(qs, e.pick);
      const dq = q && dqOf(q);
      return { kind: 'moveQdqPair', quantize: q ? label(q) : nope, dequantize: dq ? label(dq) : nope, toTensor: at(tensors, e.to) ?? nope };
    }
    case 'rewire': {
      const n = at(nodes.filter((x) => x.opType !== 'Constant' && x.input.length), e.pick);
      if (!n) return { kind: 'rewireInput', node: nope, inputIndex: 0, tensor: nope };
      return { kind: 'rewireInput', node: label(n), inputIndex: e.slot % n.input.length, tensor: at(tensors, e.to) ?? nope };
    }
    case 'setZeroPoint': {
      const qdq = ofType('QuantizeLinear', 'DequantizeLinear');
      return { kind: 'setZeroPoint', nodes: e.picks.map((p) => { const n = at(qdq, p); return n ? label(n) : nope; }), value: 0 };
    }
    case 'setAttribute': {
      const n = at(ofType('QuantizeLinear', 'DequantizeLinear'), e.pick);
      return { kind: 'setAttribute', node: n ? label(n) : nope, name: 'axis', value: e.value };
    }
  }
}

// ---- the two sessions ----------------------------------------------------------------------------

interface Side {
  readonly d: DecodedModel;
  readonly s: EditSession;
}

/** What a session did, as text to compare: the result's fields, or the refusal. */
function outcome(f: () => AppliedEdit | string | undefined): string {
  try {
    const a = f();
    if (a === undefined || typeof a === 'string') return a ?? 'nothing';
    return JSON.stringify({ label: a.label, message: a.message, nodes: a.nodes, replaced: a.replaced, inverse: a.inverse, layers: a.layers });
  } catch (e) {
    if (!(e instanceof EditError)) throw e;
    return `refused (${e.code ?? '-'}): ${e.message}`;
  }
}

/** Takes `step` on one side; `request`: the edit as resolved from A's graph (the same JSON for both). */
function take(side: Side, step: Step, request: EditRequest | undefined, savedAt: number): string {
  const { d, s } = side;
  switch (step.op) {
    case 'rename': {
      const nodes = graphOf(d).node.filter((n) => n.opType !== 'Constant');
      const n = at(nodes, step.pick)!;
      const name = `${n.name || n.opType}/renamed`;
      new Journal().set(n, 'name', name);
      return `renamed ${name}`;
    }
    case 'undo':
      return outcome(() => s.undo());
    case 'redo':
      return outcome(() => s.redo());
    case 'save':
      s.markSaved();
      return 'saved';
    case 'toSaved':
      while (s.applied.length > savedAt && s.undo());
      while (s.applied.length < savedAt && s.redo());
      return `at ${s.applied.length}`;
    case 'backupLog':
      return outcome(() => JSON.stringify(s.backupLog()));
    case 'fixAll': {
      const found = fixAll(d, analyse, { maxRounds: 2 });
      const applied = found.request ? outcome(() => s.apply(found.request!)) : 'nothing to fix';
      return JSON.stringify({ ...found, applied });
    }
    default:
      return outcome(() => s.apply(request!));
  }
}

/**
 * B's maps before each step: built from the graph as it is, and marked so that its edit trusts them
 * neither for names (a repeated name: lookups scan the list, new names are checked against every
 * name in use) nor for validation (not exact: the whole graph is compared before and after), as
 * edits did before the maps were kept. They are not kept after the step.
 */
function rebuildMaps(g: Graph): void {
  takeMaps(g);
  const maps = GraphMaps.of(g.node);
  keepMaps(g, maps, {});
  maps.namesRepeat = true;
  maps.exact = false;
}

/** Where the kept maps of `g`, if any, differ from maps built from its node list now. */
function keptMapsDiffer(g: Graph): string | undefined {
  const kept = keptMaps(g);
  if (!kept) return undefined;
  const nodes = g.node;
  const fresh = GraphMaps.of(nodes);
  const who = (n: Node | undefined): string => {
    const i = n ? nodes.indexOf(n) : -1;
    return n === undefined ? 'none' : i >= 0 ? nodeLabel(n, i) : `${n.name || n.opType} (not in the graph)`;
  };
  if (!kept.exact || !fresh.exact) return `kept maps exact: ${kept.exact}, the graph's: ${fresh.exact}`;
  // The local analysis trusts this flag (analysis/localAnalysis.ts): it may stay cleared, never be wrongly set.
  if (kept.sorted && !fresh.sorted) return 'the kept maps say the node list is in topological order; it is not';
  const producers = sameEntries(kept.producer, fresh.producer, (x, y) => x === y);
  if (producers !== undefined) return `producer of "${producers}": kept ${who(kept.producer.get(producers))}, now ${who(fresh.producer.get(producers))}`;
  const readers = sameEntries(kept.readers, fresh.readers, sameReaders);
  if (readers !== undefined) {
    const show = (list: readonly NodeReader[] | undefined): string => (list ?? []).map((r) => `${who(r.node)}:${r.slot}`).sort().join(', ');
    return `readers of "${readers}": kept [${show(kept.readers.get(readers))}], now [${show(fresh.readers.get(readers))}]`;
  }
  // A repeated name stays noted (the maps then scan for names): only the reverse is wrong.
  if (fresh.namesRepeat && !kept.namesRepeat) return 'names repeat, the kept maps say they do not';
  const named = kept.namesRepeat ? undefined : sameEntries(kept.byName, fresh.byName, (x, y) => x === y);
  if (named !== undefined) return `node named "${named}": kept ${who(kept.byName.get(named))}, now ${who(fresh.byName.get(named))}`;
  return undefined;
}

/** The first key whose entries differ between two maps, or undefined when they agree. */
function sameEntries<V>(kept: ReadonlyMap<string, V>, fresh: ReadonlyMap<string, V>, same: (x: V, y: V) => boolean): string | undefined {
  for (const [key, f] of fresh) {
    const k = kept.get(key);
    if (k === undefined || !same(k, f)) return key;
  }
  if (kept.size !== fresh.size) for (const key of kept.keys()) if (!fresh.has(key)) return key;
  return undefined;
}

/** The same readers, in any order (a reader may be listed twice: one node reading a tensor at two slots). */
function sameReaders(x: readonly NodeReader[], y: readonly NodeReader[]): boolean {
  if (x.length !== y.length) return false;
  if (x.length === 1) return x[0]!.node === y[0]!.node && x[0]!.slot === y[0]!.slot;
  const left = y.slice();
  for (const r of x) {
    const i = left.findIndex((o) => o.node === r.node && o.slot === r.slot);
    if (i < 0) return false;
    left.splice(i, 1);
  }
  return true;
}

/**
 * What an edit can change in a graph, as text (a tenth of the cost of encoding the model): nodes in
 * order with their wiring and attributes, initializers (the values of those an edit wrote), value infos.
 */
function fingerprint(g: Graph): string {
  const out: string[] = [];
  const tensor = (t: Tensor): string => {
    let sum = 0;
    for (const data of [t.rawData, t.floatData, t.int32Data]) {
      if (data?.kind === 'inline') for (const byte of data.bytes) sum = (sum * 31 + byte) | 0;
    }
    return `${t.name} ${t.dataType} [${t.dims.join(',')}] ${sum}`;
  };
  for (const n of g.node) {
    out.push(`${n.opType} ${n.name} (${n.input.join(',')}) -> ${n.output.join(',')}`);
    for (const x of n.attribute) out.push(`  ${x.name}=${x.i ?? ''}/${x.f ?? ''}/${x.ints.join(',')}/${x.floats.join(',')}/${x.t ? tensor(x.t) : ''}`);
  }
  for (const t of g.initializer) out.push(`init ${tensor(t)}`);
  for (const v of g.valueInfo) out.push(`info ${v.name}`);
  return out.join('\n');
}

const stats = { steps: 0, edits: 0, applied: 0, keptAfterEdit: 0 };

function runSequence(v: Variant, steps: readonly Step[]): void {
  const open = (file: string): Side => {
    const d = decodeModel(new MemorySource(v.bytes, file), { file });
    return { d, s: new EditSession(d) };
  };
  const a = open('a.onnx');
  const b = open('b.onnx');
  let savedAt = 0;
  steps.forEach((st, k) => {
    const where = `${v.name}, step ${k} (${st.op})`;
    const ga = graphOf(a.d);
    let request: EditRequest | undefined;
    if (st.op === 'batch') request = { kind: 'batch', label: 'parts', edits: st.parts.map((p) => requestOf(p, ga, v)) };
    else if (st.op === 'liveFix') {
      const fixes = analyse(a.d).findings.flatMap((f) => (f.fix ? [f.fix] : []));
      const fix = at(fixes, st.pick);
      request = fix ? { kind: 'applyFix', fix } : { kind: 'disableQuantization', target: 'nothing' };
    } else if (!['undo', 'redo', 'save', 'toSaved', 'backupLog', 'fixAll', 'rename'].includes(st.op)) request = requestOf(st as Edit, ga, v);
    rebuildMaps(graphOf(b.d));
    const outA = take(a, st, request, savedAt);
    const outB = take(b, st, request, savedAt);
    assert.equal(outA, outB, `${where}: kept maps and rebuilt maps did differently (${JSON.stringify(request)})`);
    if (st.op === 'save') savedAt = a.s.applied.length;
    stats.steps++;
    if (request) {
      stats.edits++;
      if (!outA.startsWith('refused')) stats.applied++;
    }
    // The graphs after each step that changed them; their bytes after the steps that save or write
    // them and at the end. (After a refusal a difference would stay for the next check to see.)
    if (EVERY_STEP || ['save', 'toSaved', 'backupLog', 'fixAll'].includes(st.op) || k === steps.length - 1) {
      assert.ok(encode(a.d).equals(encode(b.d)), `${where}: the two sessions encode differently`);
    } else if (!/^(refused|nothing|saved)/.test(outA)) {
      assert.equal(fingerprint(graphOf(a.d)), fingerprint(graphOf(b.d)), `${where}: the two graphs differ`);
    }
    assert.equal(a.s.isDirty, b.s.isDirty, `${where}: dirty`);
    assert.equal(a.s.applied.length, b.s.applied.length, `${where}: edits in effect`);
    assert.equal(a.s.canRedo, b.s.canRedo, `${where}: redo`);
    // A's maps, kept through every step so far (B's are not kept).
    const differ = keptMapsDiffer(graphOf(a.d));
    assert.equal(differ, undefined, `${where}: the kept maps are not those of the graph: ${differ}`);
    if (request && keptMaps(graphOf(a.d))) stats.keptAfterEdit++;
  });
  while (a.s.undo());
  while (b.s.undo());
  if (steps.some((st) => st.op === 'rename')) return; // not the session's to undo
  assert.ok(encode(a.d).equals(Buffer.from(v.bytes)), `${v.name}: undoing everything gives the original bytes`);
  assert.ok(encode(b.d).equals(Buffer.from(v.bytes)), `${v.name}: undoing everything gives the original bytes (B)`);
}

const RUNS = Number(process.env.QDQ_KEPT_MAPS_RUNS) || 200;
/** The encoded bytes after every step (a longer run), else after the steps that save or write and at the end. */
const EVERY_STEP = RUNS > 200;
const SEED = Number(process.env.QDQ_KEPT_MAPS_SEED) || 2205;

test(`kept maps and maps rebuilt before every step: the same results, bytes and maps (${RUNS} random sequences of 5-30 steps)`, () => {
  fc.assert(
    fc.property(fc.nat(VARIANTS.length - 1), fc.array(step, { minLength: 5, maxLength: 30, size: 'max' }), (v, steps) => runSequence(VARIANTS[v]!, steps)),
    { numRuns: RUNS, seed: SEED, includeErrorInReport: true },
  );
  // The test means something only if edits apply and the maps are kept after most of them.
  assert.ok(stats.applied > stats.edits / 4, `${stats.applied} of ${stats.edits} edits applied`);
  assert.ok(stats.keptAfterEdit > stats.applied / 2, `maps kept after ${stats.keptAfterEdit} of ${stats.applied} applied edits`);
  if (process.env.QDQ_KEPT_MAPS_RUNS) console.log(`[keptMapsFuzz] seed ${SEED}: ${JSON.stringify(stats)}`);
});
