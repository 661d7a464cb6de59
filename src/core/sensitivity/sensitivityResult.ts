/**
 * What every sensitivity input becomes: metrics (each with a direction and a baseline) and layers
 * (a PyTorch module name or an ONNX node name, with a value per metric), in the order of the
 * file. `parseSensitivityText` picks the parser from the file name and contents.
 */
import { describeValue, errorAt, parseJsonText } from './jsonText';
import { qdqSensitivityFromJson } from './qdqSensitivity';
import { looksLikeYolov9Log, parseYolov9Log, yolov9SummaryFromJson } from './yolov9Qat';

export type Direction = 'higher-is-more-sensitive' | 'lower-is-more-sensitive';

export type SensitivityFormat = 'yolov9-qat-json' | 'yolov9-qat-log' | 'qdq-sensitivity';

export interface MetricInfo {
  readonly name: string;
  readonly direction: Direction;
  /**
   * The metric's value for the reference configuration (yolov9-qat: AP of the PTQ model with every
   * layer quantized). `null` only when a console log's top-10 summary leaves the baseline out.
   */
  readonly baseline: number | null;
  readonly description?: string;
  readonly unit?: string;
}

export interface LayerResult {
  readonly name: string;
  /** `module` (PyTorch module path), `node` (ONNX node name), or `auto` (decided by mapping). */
  readonly kind: 'module' | 'node' | 'auto';
  /** Metric name → finite value. A layer may lack a metric it was not measured for. */
  readonly values: Readonly<Record<string, number>>;
}

export interface SourceInfo {
  /** `yolov9-qat`, `modelopt`, `qdq-studio`, ... */
  readonly tool: string;
  readonly version?: string;
  readonly command?: string;
  readonly model?: string;
  readonly createdAt?: string;
}

export interface SensitivityResult {
  readonly file: string;
  readonly format: SensitivityFormat;
  readonly source: SourceInfo;
  /** At least one; the first is the default for ranking. */
  readonly metrics: readonly MetricInfo[];
  readonly layers: readonly LayerResult[];
  /** Things a user should know that did not stop the parse. */
  readonly warnings: readonly string[];
}

/** The file name yolov9-qat's `sensitive` command writes. */
export const YOLOV9_SUMMARY_FILE = 'summary-sensitive-analysis.json';
/** The suffix of our own format's files. */
export const QDQ_SENSITIVITY_SUFFIX = '.qdq-sensitivity.json';

/**
 * Parse any supported input. `.json` files (and text starting with `[` or `{` that holds no
 * yolov9-qat log lines) are JSON: a list is yolov9-qat's summary, an object our format. Anything
 * else is read as a yolov9-qat console log.
 */
export function parseSensitivityText(text: string, file: string): SensitivityResult {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const first = /\S/.exec(body)?.[0];
  const isJson = /\.json$/i.test(file) || ((first === '[' || first === '{') && !looksLikeYolov9Log(body));
  if (!isJson) return parseYolov9Log(text, file);
  const parsed = parseJsonText(text, file);
  if (parsed.root.kind === 'array') return yolov9SummaryFromJson(parsed, file);
  if (parsed.root.kind === 'object') return qdqSensitivityFromJson(parsed, file);
  throw errorAt(
    parsed,
    file,
    [],
    `not a sensitivity result: expected a list of [ap, name] pairs (yolov9-qat) or an object (${QDQ_SENSITIVITY_SUFFIX}), got ${describeValue(parsed.root)}`,
  );
}
