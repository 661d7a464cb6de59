/**
 * The 'engine' graph overlay: what TensorRT actually built, laid over the ONNX graph. Each engine
 * layer is mapped back to the ONNX nodes it came from (TensorRT 10.x names them in the layer's
 * `Metadata`; 8.x only in the layer name, which joins the fused nodes with ` + ` and wraps
 * pointwise fusions in `PWN(...)`), and those nodes are coloured by the layer's precision.
 * Standalone quantize/dequantize/requantize layers (unfused Q/DQ) colour their Q/DQ nodes as
 * reformats. Names that are not nodes of the model (weights, TensorRT's own layers) simply match
 * nothing in the graph. Pure: no `vscode`.
 */
import { onnxNodesOfLayer, type EngineReport } from '../core/engineReport/index';
import { precisionLegend, type GraphOverlayDto, type OverlayNodeDto } from '../protocol/overlay';

export { onnxNodesOfLayer };

export const ENGINE_SOURCE = 'engine';

const LEGEND = precisionLegend();

const KNOWN = new Set<string>(LEGEND.map((l) => l.key));

function ms(x: number): string {
  return x >= 1 ? `${x.toFixed(2)} ms` : `${(x * 1000).toFixed(1)} µs`;
}

export function engineOverlay(report: EngineReport, label = 'Engine (trtexec)'): GraphOverlayDto {
  const nodes = new Map<string, { key?: string; lines: string[]; badge?: string }>();
  const entry = (name: string) => {
    let e = nodes.get(name);
    if (!e) nodes.set(name, (e = { lines: [] }));
    return e;
  };
  const withMetadata = report.layers.some((l) => l.onnxNodes && l.onnxNodes.length > 0);
  for (const layer of report.layers) {
    const names = onnxNodesOfLayer(layer, withMetadata);
    if (names.length === 0) continue;
    const time = layer.averageMs === undefined ? '' : `, ${ms(layer.averageMs)}${layer.percentage === undefined ? '' : ` (${layer.percentage.toFixed(1)}%)`}`;
    const what = `${layer.type ?? 'layer'} ${layer.name}`;
    if (layer.reformat === 'quantize' || layer.reformat === 'dequantize' || layer.reformat === 'requantize') {
      for (const n of names) {
        const e = entry(n);
        e.key = 'reformat';
        e.badge = layer.reformat;
        e.lines.push(`Engine: standalone ${layer.reformat} (${layer.precision ?? '?'})${time}: ${what}`);
      }
      continue;
    }
    for (const n of names) {
      const e = entry(n);
      if (layer.precision && KNOWN.has(layer.precision) && e.key !== 'reformat') e.key = layer.precision;
      e.lines.push(`Engine: ${layer.precision ?? 'unknown precision'}${time} in ${what}`);
    }
  }
  const out: Record<string, OverlayNodeDto> = {};
  for (const [name, e] of nodes) {
    out[name] = { ...(e.key ? { key: e.key } : {}), ...(e.badge ? { badge: e.badge } : {}), tooltip: e.lines.join('\n') };
  }
  return { label, legend: LEGEND, nodes: out };
}


/** Where the engine disagrees with the analysis's prediction for a compute node. */
export interface PredictionDisagreement {
  node: string;
  opType: string;
  predicted: string;
  actual: string;
  /** The engine layer the node ended up in. */
  layer: string;
}

export interface PredictionCheck {
  /** Compute nodes the analysis predicted and the engine report names. */
  compared: number;
  agree: number;
  disagreements: PredictionDisagreement[];
  /** Standalone Q/DQ conversions the analysis predicted, and unfused quantize/dequantize/requantize layers in the engine. */
  predictedReformats: number;
  actualReformats: number;
}

/** The prediction side of the check: per compute node a precision (src/core/analysis `layers`). */
export interface PredictedLayers {
  layers: ReadonlyArray<{ node: string; opType: string; precision: string }>;
  reformats: ReadonlyArray<unknown>;
}

/**
 * Compares the analysis's predicted precision of every compute node with the precision of the
 * engine layer that node was built into (mapped as in `engineOverlay`). Nodes the engine does not
 * name (8.x builds of exports with other names, Myelin kernels) are not compared.
 */
export function checkPrediction(report: EngineReport, predicted: PredictedLayers): PredictionCheck {
  const withMetadata = report.layers.some((l) => l.onnxNodes && l.onnxNodes.length > 0);
  const actual = new Map<string, { precision?: string; layer: string }>();
  let actualReformats = 0;
  for (const layer of report.layers) {
    const standalone = layer.reformat === 'quantize' || layer.reformat === 'dequantize' || layer.reformat === 'requantize';
    if (standalone) actualReformats++;
    if (standalone || layer.reformat) continue;
    for (const n of onnxNodesOfLayer(layer, withMetadata)) if (!actual.has(n)) actual.set(n, { precision: layer.precision, layer: layer.name });
  }
  let compared = 0;
  let agree = 0;
  const disagreements: PredictionDisagreement[] = [];
  for (const p of predicted.layers) {
    const a = actual.get(p.node);
    if (!a?.precision) continue;
    compared++;
    if (a.precision === p.precision) agree++;
    else disagreements.push({ node: p.node, opType: p.opType, predicted: p.precision, actual: a.precision, layer: a.layer });
  }
  return { compared, agree, disagreements, predictedReformats: predicted.reformats.length, actualReformats };
}
