/** R29 QDQ-REFIT-SCALE: refitting scales that scale-equality rewrites depend on. */
import { defineRule, listNames, plural } from '../rule';

export const r29 = defineRule(
  {
    id: 'R29',
    name: 'QDQ-REFIT-SCALE',
    title: 'Refitting scales that rewrites depend on',
    severity: 'info',
    versions: 'all',
    matches: 'Only for a refittable build (target option refit): DQ/Q pairs that cancel because their scales are equal (across commuting ops, around a Concat, or back to back).',
    tensorrt: 'Scale-dependent rewrites (R15, R16, R26) are checked again at refit; if new scales break an equality the rewrite relied on, refit throws.',
    fix: 'Keep those scales equal when refitting (refit them together), or build without --refit.',
    sources: ['TensorRT developer guide "Q/DQ Limitations"'],
    coverage: 'partial',
    limits: 'Whether the engine is refittable is not in the ONNX file: the rule runs only when the caller says so (--refit / target.refit).',
  },
  ({ target, pred, ctx }, emit) => {
    if (!target.refit || pred.cancelled.length === 0) return;
    const names = [...new Set(pred.cancelled.flatMap((c) => [ctx.name(c.dq), ctx.name(c.q)]))];
    emit({
      severity: 'info',
      message: `${plural(pred.cancelled.length, 'DQ/Q pair')} cancel because their scales are equal (${listNames(names)}): a refit that changes one of those scales alone will throw.`,
      nodes: names,
      data: { pairs: pred.cancelled.length },
    });
  },
);
