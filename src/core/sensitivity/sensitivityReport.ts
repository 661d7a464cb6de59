/**
 * One ranking with every entry mapped to its ONNX nodes (and, given the model YAML, its line):
 * the shape `qdq sensitivity --json` prints and the views will show. A product surface: extend,
 * never rename.
 */
import type { ModelYaml } from './modelYaml';
import { layerOfModule, type ModuleIndex } from './nameMapping';
import { rankLayers } from './ranking';
import type { Direction, SensitivityFormat, SensitivityResult, SourceInfo } from './sensitivityResult';

export interface ReportEntry {
  readonly name: string;
  readonly metric: string;
  readonly value: number;
  /** value - baseline; null when the baseline is unknown. */
  readonly delta: number | null;
  /** 1 = most sensitive. */
  readonly rank: number;
  /** `model.N` the entry belongs to, or null. */
  readonly layer: string | null;
  /** Every ONNX node the name maps to, graph order (empty when unmapped). */
  readonly onnxNodes: readonly string[];
  /** The Conv/ConvTranspose/Gemm/MatMul among them. */
  readonly computeNodes: readonly string[];
  /** 1-based line of the layer in the model YAML (only with a YAML). */
  readonly yamlLine?: number;
}

export interface SensitivityReport {
  readonly file: string;
  readonly format: SensitivityFormat;
  readonly source: SourceInfo;
  readonly metric: { readonly name: string; readonly direction: Direction; readonly description?: string; readonly unit?: string };
  readonly baseline: number | null;
  /** By rank. */
  readonly entries: readonly ReportEntry[];
  /** Names that map to no ONNX node (they keep their entry, with `onnxNodes: []`). */
  readonly unmapped: readonly string[];
  /** Layers without a value for this metric. */
  readonly notMeasured: readonly string[];
  readonly warnings: readonly string[];
}

export interface ReportOptions {
  /** Metric to rank by (default: the file's first). */
  readonly metric?: string;
  readonly yaml?: ModelYaml;
}

export function buildSensitivityReport(result: SensitivityResult, index: ModuleIndex, o: ReportOptions = {}): SensitivityReport {
  const ranking = rankLayers(result, o.metric);
  const unmapped: string[] = [];
  const entries = ranking.entries.map((e): ReportEntry => {
    const m = index.resolve(e.name, e.kind);
    if (!m) unmapped.push(e.name);
    const layer = m ? m.layer : layerOfModule(e.name);
    const yamlLine = o.yaml && layer ? o.yaml.layers[Number(layer.slice('model.'.length))]?.line : undefined;
    return {
      name: e.name,
      metric: ranking.metric.name,
      value: e.value,
      delta: e.delta,
      rank: e.rank,
      layer,
      onnxNodes: m?.nodes ?? [],
      computeNodes: m?.computeNodes ?? [],
      ...(yamlLine !== undefined ? { yamlLine } : {}),
    };
  });
  // Layers without a value are not ranked, but an unmatched name is still worth reporting.
  for (const name of ranking.notMeasured) if (!index.resolve(name)) unmapped.push(name);
  const { name, direction, description, unit } = ranking.metric;
  const warnings = [...result.warnings, ...(o.yaml?.warnings ?? [])];
  if (o.yaml) {
    for (const e of entries) if (e.layer && e.yamlLine === undefined) warnings.push(`${o.yaml.file}: no entry for ${e.layer} (the file lists ${o.yaml.layers.length} layers)`);
  }
  return {
    file: result.file,
    format: result.format,
    source: result.source,
    metric: { name, direction, ...(description !== undefined ? { description } : {}), ...(unit !== undefined ? { unit } : {}) },
    baseline: ranking.metric.baseline,
    entries,
    unmapped,
    notMeasured: ranking.notMeasured,
    warnings,
  };
}
