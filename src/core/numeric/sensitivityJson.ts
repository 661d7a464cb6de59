/**
 * A numeric check as a sensitivity result in our own format (docs/sensitivity-format.md, schema
 * qdq-sensitivity v1), so the sensitivity views and `qdq sensitivity` read it like any other source.
 *
 * Metrics, the first one the default ranking:
 * - `localSqnr` (dB, lower-is-more-sensitive): SQNR of the error the layer adds itself;
 * - `sqnr` (dB, lower-is-more-sensitive): SQNR of the layer's output (cumulative);
 * - `cosine` (lower-is-more-sensitive), `maxAbs` (higher-is-more-sensitive).
 * No baselines: there is no configuration a layer's figure is the change from (the output's SQNR is
 * not one: 'local SQNR 4.4 dB' minus it said nothing), so the views show the values. Layers are ONNX node names (`kind: "node"`).
 * Per-run details that the schema does not name travel under `x-numeric` (readers ignore `x-`).
 */
import { QDQ_SENSITIVITY_FORMAT, QDQ_SENSITIVITY_VERSION } from '../sensitivity/index';
import { describeReference, describeSamples } from './describe';
import type { NumericResult } from './numericCheck';

export interface SensitivityJsonOptions {
  readonly toolVersion?: string;
  readonly command?: string;
  readonly createdAt?: string;
}

const round = (v: number, digits = 6): number => Number(v.toPrecision(digits));

export function toSensitivityJson(r: NumericResult, o: SensitivityJsonOptions = {}): Record<string, unknown> {
  // Every hover of the sensitivity views shows the metric's description: it says what was run.
  const run = `; ${describeSamples(r.inputs)} against ${describeReference(r)}`;
  return {
    format: QDQ_SENSITIVITY_FORMAT,
    version: QDQ_SENSITIVITY_VERSION,
    source: {
      tool: 'qdq-studio',
      ...(o.toolVersion ? { version: o.toolVersion } : {}),
      ...(o.command ? { command: o.command } : {}),
      model: r.model,
      createdAt: o.createdAt ?? new Date().toISOString(),
    },
    metrics: {
      localSqnr: {
        direction: 'lower-is-more-sensitive',
        unit: 'dB',
        description: `SQNR of the error this layer adds (its output noise-to-signal minus its float input's), Q/DQ model vs FP32 reference, ONNX Runtime CPU${run}`,
      },
      sqnr: {
        direction: 'lower-is-more-sensitive',
        unit: 'dB',
        description: `SQNR of the layer output, Q/DQ model vs FP32 reference (includes upstream error)${run}`,
      },
      cosine: { direction: 'lower-is-more-sensitive', description: `cosine similarity of the layer output with the reference${run}` },
      maxAbs: { direction: 'higher-is-more-sensitive', description: `largest absolute difference from the reference${run}` },
    },
    layers: r.layers.map((l) => ({
      name: l.node,
      kind: 'node',
      values: { localSqnr: round(l.localSqnrDb), sqnr: round(l.sqnrDb), cosine: round(l.cosine, 9), maxAbs: round(l.maxAbs) },
    })),
    'x-numeric': {
      reference: r.reference,
      referenceKind: r.referenceKind,
      runtime: r.runtime,
      samples: describeSamples(r.inputs),
      inputs: r.inputs,
      outputs: r.outputs,
      unmatched: r.unmatched,
      problems: r.problems,
      warnings: r.warnings,
    },
  };
}
