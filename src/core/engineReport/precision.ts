/**
 * Precision and layout of an engine tensor from its `Format/Datatype` string.
 *
 * TensorRT 8.x writes long descriptions ("Row major linear FP16 format", "Thirty-two wide channel
 * vectorized row major Int8 format", "Channel major FP16 format where channel % 8 == 0"); 10.x
 * Myelin layers write short type names ("Float", "Half", "Int8", "Int64"). The precision is the
 * first type word in the string.
 */

export type Precision =
  | 'FP32'
  | 'FP16'
  | 'BF16'
  | 'FP8'
  | 'FP4'
  | 'INT4'
  | 'INT8'
  | 'UINT8'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'BOOL'
  | 'FP64'
  | 'UNKNOWN';

const WORDS: ReadonlyMap<string, Precision> = new Map<string, Precision>([
  ['fp32', 'FP32'],
  ['float', 'FP32'],
  ['float32', 'FP32'],
  ['fp16', 'FP16'],
  ['half', 'FP16'],
  ['float16', 'FP16'],
  ['bf16', 'BF16'],
  ['bfloat16', 'BF16'],
  ['fp8', 'FP8'],
  ['e4m3', 'FP8'],
  ['fp4', 'FP4'],
  ['e2m1', 'FP4'],
  ['int4', 'INT4'],
  ['int8', 'INT8'],
  ['uint8', 'UINT8'],
  ['int16', 'INT16'],
  ['int32', 'INT32'],
  ['int64', 'INT64'],
  ['bool', 'BOOL'],
  ['double', 'FP64'],
  ['fp64', 'FP64'],
]);

/** Quantized (integer or narrow float) storage types: what Q produces and DQ consumes. */
export function isQuantized(p: Precision | undefined): boolean {
  return p === 'INT8' || p === 'FP8' || p === 'INT4' || p === 'FP4';
}

/** Floating types used for activations outside quantized regions. */
export function isFloat(p: Precision | undefined): boolean {
  return p === 'FP32' || p === 'FP16' || p === 'BF16' || p === 'FP64';
}

const VECTOR_WIDTH: Readonly<Record<string, number>> = { two: 2, four: 4, eight: 8, sixteen: 16, 'thirty-two': 32 };

export interface TensorFormat {
  precision: Precision;
  /** Short layout name when the string describes one: NCHW, NC/32HW32, NHWC8, …; absent for bare type names. */
  layout?: string;
}

/** At most this many characters of a format string are looked at (hostile input stays cheap). */
const MAX_FORMAT_CHARS = 512;

export function parseTensorFormat(format: string): TensorFormat {
  const s = format.length > MAX_FORMAT_CHARS ? format.slice(0, MAX_FORMAT_CHARS) : format;
  let precision: Precision = 'UNKNOWN';
  for (const word of s.toLowerCase().split(/[^a-z0-9]+/)) {
    const p = WORDS.get(word);
    if (p) {
      precision = p;
      break;
    }
  }
  const layout = layoutOf(s);
  return layout ? { precision, layout } : { precision };
}

function layoutOf(s: string): string | undefined {
  const threeD = /3 spatial dimensions/i.test(s);
  const vec = /^([a-z]+(?:-[a-z]+)?) wide channel vectorized/i.exec(s);
  if (vec) {
    const n = VECTOR_WIDTH[vec[1]!.toLowerCase()];
    if (n) return threeD ? `NC/${n}DHW${n}` : `NC/${n}HW${n}`;
  }
  if (/^channel major/i.test(s)) {
    const m = /channel\s*(?:%|==)\s*(\d{1,4})/i.exec(s);
    return `${threeD ? 'NDHWC' : 'NHWC'}${m ? m[1] : ''}`;
  }
  if (/^row major/i.test(s)) return threeD ? 'NCDHW' : 'NCHW';
  return undefined;
}
