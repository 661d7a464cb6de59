/**
 * Which nodes a layer target names: an ONNX node name (`/model.22/cv2.0/cv2.0.0/conv/Conv`), an
 * unnamed node's label (`Conv#12`, graph/nodeRefs.ts), an ONNX scope prefix (`/model.22/`: every
 * compute node under it) or a PyTorch module name (`model.22`, `model.22.cv2.0.0.conv`: every
 * compute node of that module or below it).
 */
import { labelRef } from '../graph/index';
import type { Node } from '../onnx/index';
import { layerOfModule, moduleOfNodeName } from '../util/torchNames';
import { COMPUTE_OPS, EditError, type EditContext } from './context';

export { moduleOfNodeName };

/** `model.N` of a node (`/model.22/cv2.0/cv2.0.0/conv/Conv` → `model.22`), or null. */
export function yoloModuleOf(nodeName: string): string | null {
  const m = moduleOfNodeName(nodeName);
  return m ? layerOfModule(m) : null;
}

const KINDS = 'an ONNX node name, an unnamed node\'s label such as Conv#12, a scope prefix such as /model.22/, or a module name such as model.22';

/**
 * The nodes of `nodes` that `target` names. A node name wins; else a label names the unnamed node
 * at that index of `labelsIn` (the node list as the edit began, as for every other edit: see
 * docs/ARCHITECTURE.md "Naming a node"), which must still be in `nodes`; a label of a named node or
 * of another op type is refused saying what is there; else a scope or a module.
 */
export function resolveTarget(nodes: readonly Node[], target: string, labelsIn: readonly Node[] = nodes): Node[] {
  return resolveTargetIn(
    {
      named: (name) => nodes.filter((n) => n.name === name),
      has: (node) => labelsIn === nodes || nodes.includes(node),
      compute: () => scanLookup(nodes),
    },
    target,
    labelsIn,
  );
}

/**
 * The compute-node index of each edit in progress, with the context's `computeVersion` it was built
 * at; the first scope or module target of an edit scans the list instead (a single edit does not pay
 * for an index it would use once).
 */
const indexes = new WeakMap<EditContext, { version: number; index?: TargetIndex }>();

/**
 * `resolveTarget(ctx.nodes, target, ctx.startNodes)` through the context's name map and a
 * compute-node index kept for the whole edit: a batch of thousands of targets costs their matches,
 * not a scan of the model each.
 */
export function resolveLayers(ctx: EditContext, target: string): Node[] {
  return resolveTargetIn(
    {
      named: (name) => ctx.nodesNamed(name),
      has: (node) => ctx.has(node),
      compute: () => {
        const held = indexes.get(ctx);
        if (held?.version !== ctx.computeVersion) {
          indexes.set(ctx, { version: ctx.computeVersion });
          return scanLookup(ctx.nodes);
        }
        return (held.index ??= new TargetIndex(ctx.nodes));
      },
    },
    target,
    ctx.startNodes,
  );
}

/** Compute nodes by scope and module, by a scan of `nodes` per question. */
function scanLookup(nodes: readonly Node[]): ComputeLookup {
  return {
    underScope: (prefix) => nodes.filter((n) => COMPUTE_OPS.has(n.opType) && n.name.startsWith(prefix)),
    inModule: (module) =>
      nodes.filter((n) => {
        if (!COMPUTE_OPS.has(n.opType)) return false;
        const m = moduleOfNodeName(n.name);
        return m !== null && (m === module || m.startsWith(`${module}.`));
      }),
  };
}

/** How `resolveTargetIn` looks at the current node list (a scan, or the indexes an edit keeps). */
export interface TargetLookup {
  /** Every node of that name, in node order. */
  named(name: string): readonly Node[];
  /** Whether a node (found by its label where the edit began) is still in the list. */
  has(node: Node): boolean;
  /** The compute nodes by scope and module. */
  compute(): ComputeLookup;
}

export interface ComputeLookup {
  /** Compute nodes whose name starts with `prefix` (ending in `/`), in node order. */
  underScope(prefix: string): readonly Node[];
  /** Compute nodes of that PyTorch module or one below it, in node order. */
  inModule(module: string): readonly Node[];
}

/** `resolveTarget`'s rules over a lookup. */
export function resolveTargetIn(lookup: TargetLookup, target: string, labelsIn: readonly Node[]): Node[] {
  const t = target.trim();
  if (!t) throw new EditError(`empty target: give ${KINDS}`);
  const exact = lookup.named(t);
  if (exact.length) return [...exact];
  const ref = labelRef(labelsIn, t);
  if (ref.why) throw new EditError(ref.why);
  if (ref.node) {
    if (!lookup.has(ref.node)) throw new EditError(`${t} is no longer in the graph (an earlier part of this edit removed it)`);
    return [ref.node];
  }
  const hits = t.startsWith('/') ? lookup.compute().underScope(t.endsWith('/') ? t : `${t}/`) : lookup.compute().inModule(t);
  if (hits.length === 0) throw new EditError(`no node matches "${t}" (give ${KINDS})`);
  return [...hits];
}

/**
 * The compute nodes of a list by every scope prefix and enclosing module of their names, in node
 * order: a target then costs its matches. Stays right while only other nodes are inserted or removed.
 */
export class TargetIndex implements ComputeLookup {
  private readonly byScope = new Map<string, Node[]>();
  private readonly byModule = new Map<string, Node[]>();

  constructor(nodes: readonly Node[]) {
    const add = (index: Map<string, Node[]>, key: string, n: Node): void => {
      const list = index.get(key);
      if (list) list.push(n);
      else index.set(key, [n]);
    };
    for (const n of nodes) {
      if (!COMPUTE_OPS.has(n.opType)) continue;
      // `/a/b/Conv` starts with the prefixes `/`, `/a/` and `/a/b/` (each ends at a slash).
      if (n.name.startsWith('/')) for (let i = 0; i !== -1; i = n.name.indexOf('/', i + 1)) add(this.byScope, n.name.slice(0, i + 1), n);
      // `a.b.c` is the module `a.b.c` and below `a` and `a.b` (each cut at a dot).
      const m = moduleOfNodeName(n.name);
      if (m === null) continue;
      for (let i = m.indexOf('.'); i !== -1; i = m.indexOf('.', i + 1)) add(this.byModule, m.slice(0, i), n);
      add(this.byModule, m, n);
    }
  }

  underScope(prefix: string): readonly Node[] {
    return this.byScope.get(prefix) ?? [];
  }

  inModule(module: string): readonly Node[] {
    return this.byModule.get(module) ?? [];
  }
}
