/**
 * A small strict reader of NumPy's `.npy` format (versions 1.0, 2.0 and 3.0), for sample inputs.
 * https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 *
 * Accepted: little-endian (or byte-sized) float32, float64, float16, uint8, int8, int32, int64 in
 * C order; values become float32. Refused with a one-line message naming the file: bad magic,
 * unknown version, a header that is not the dict NumPy writes, big-endian or object dtypes,
 * Fortran order, a shape whose element count disagrees with the data length, trailing bytes.
 */
import { NumericInputError } from './errors';

export interface NpyArray {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** NumPy never writes headers this large; anything longer is not an .npy we read. */
const MAX_HEADER = 1 << 16;

const DTYPES: Record<string, number> = { f4: 4, f8: 8, f2: 2, u1: 1, i1: 1, i4: 4, i8: 8, b1: 1 };

export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  const fail = (problem: string): never => {
    throw new NumericInputError(file, `not a valid .npy file: ${problem}`);
  };
  if (bytes.length < 10) fail(`only ${bytes.length} bytes`);
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) fail('missing the \\x93NUMPY magic');
  const major = bytes[6]!;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail('truncated header length');
    headerLen = dv.getUint32(8, true);
    headerStart = 12;
  } else {
    return fail(`unsupported format version ${major}.${bytes[7]}`);
  }
  if (headerLen > MAX_HEADER) fail(`header length ${headerLen} is too large`);
  if (headerStart + headerLen > bytes.length) fail(`header of ${headerLen} bytes runs past the end of the file`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, headerStart + headerLen));
  const m = /^\{\s*(.*?)\s*,?\s*\}\s*$/s.exec(header);
  if (!m) return fail('the header is not a Python dict');
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    return fail("the header lacks 'descr', 'fortran_order' or 'shape'");
  }
  const keys = [...header.matchAll(/'([^']*)'\s*:/g)].map((k) => k[1]);
  const extra = keys.filter((k) => k !== 'descr' && k !== 'fortran_order' && k !== 'shape');
  if (extra.length) fail(`unexpected header key '${extra[0]}'`);
  if (fortran === 'True') fail('Fortran-ordered arrays are not supported (save with np.ascontiguousarray)');
  const dm = /^([<>|=])([a-z]\d+)$/.exec(descr);
  if (!dm || DTYPES[dm[2]!] === undefined) return fail(`unsupported dtype '${descr}' (float32, float64, float16, uint8, int8, int32, int64, bool)`);
  const [, order, code] = dm as unknown as [string, string, string];
  const size = DTYPES[code]!;
  if (order === '>' && size > 1) fail(`big-endian dtype '${descr}' is not supported`);
  const shape: number[] = [];
  for (const part of shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    if (!/^\d+L?$/.test(part)) return fail(`bad shape entry '${part}'`);
    const d = Number.parseInt(part, 10);
    if (!Number.isSafeInteger(d)) fail(`shape entry '${part}' is too large`);
    shape.push(d);
  }
  const count = shape.reduce((a, d) => a * d, 1);
  const dataStart = headerStart + headerLen;
  const have = bytes.length - dataStart;
  if (!Number.isSafeInteger(count * size) || count * size !== have) {
    fail(`shape (${shape.join(', ')}) of ${descr} needs ${count * size} data bytes, the file has ${have}`);
  }
  const data = new Float32Array(count);
  const at = dataStart;
  switch (code) {
    case 'f4':
      for (let i = 0; i < count; i++) data[i] = dv.getFloat32(at + 4 * i, true);
      break;
    case 'f8':
      for (let i = 0; i < count; i++) data[i] = dv.getFloat64(at + 8 * i, true);
      break;
    case 'f2':
      for (let i = 0; i < count; i++) data[i] = halfToFloat(dv.getUint16(at + 2 * i, true));
      break;
    case 'u1':
    case 'b1':
      for (let i = 0; i < count; i++) data[i] = bytes[at + i]!;
      break;
    case 'i1':
      for (let i = 0; i < count; i++) data[i] = dv.getInt8(at + i);
      break;
    case 'i4':
      for (let i = 0; i < count; i++) data[i] = dv.getInt32(at + 4 * i, true);
      break;
    case 'i8':
      for (let i = 0; i < count; i++) data[i] = Number(dv.getBigInt64(at + 8 * i, true));
      break;
  }
  return { dtype: descr, shape, data };
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** Encode a float32 array as .npy version 1.0 (tests and `--save-inputs`). */
export function encodeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
