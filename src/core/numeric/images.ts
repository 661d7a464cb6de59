/**
 * Images as YOLO sample inputs: decode (`jpeg-js`, `pngjs`: pure JavaScript), then letterbox as
 * ultralytics/yolov9 `LetterBox` does: scale by min(H/h, W/w) keeping the aspect ratio, bilinear
 * resize (OpenCV's INTER_LINEAR sampling: half-pixel centres), pad the rest with grey 114 split
 * evenly (the odd pixel at the bottom/right), RGB order, divide by 255, planar CHW with batch 1.
 */
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { NumericInputError } from './errors';

export interface Rgba {
  readonly width: number;
  readonly height: number;
  /** RGBA, 8 bits per channel, row-major. */
  readonly data: Uint8Array;
}

const MAX_MEGAPIXELS = 100;

export function decodeImage(bytes: Uint8Array, file: string): Rgba {
  const isPng = bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  try {
    if (isPng) {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      if (png.width * png.height > MAX_MEGAPIXELS * 1e6) throw new Error(`${png.width}x${png.height} is too large`);
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
    if (isJpeg) {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_MEGAPIXELS, maxMemoryUsageInMB: 1024 });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (e) {
    throw new NumericInputError(file, `cannot decode the image: ${String((e as Error)?.message ?? e).split('\n')[0]}`);
  }
  throw new NumericInputError(file, 'not a PNG or JPEG image');
}

/** Letterboxed, normalised NCHW float32 data for a 1x3xHxW input. */
export function letterbox(img: Rgba, outH: number, outW: number): Float32Array {
  const { width: w, height: h, data } = img;
  const r = Math.min(outH / h, outW / w);
  const nw = Math.round(w * r);
  const nh = Math.round(h * r);
  const left = Math.round((outW - nw) / 2 - 0.1);
  const top = Math.round((outH - nh) / 2 - 0.1);
  const plane = outH * outW;
  const out = new Float32Array(3 * plane).fill(114 / 255);
  const sx = w / nw;
  const sy = h / nh;
  for (let y = 0; y < nh; y++) {
    const fy = Math.max(0, (y + 0.5) * sy - 0.5);
    const y0 = Math.min(h - 1, Math.floor(fy));
    const y1 = Math.min(h - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < nw; x++) {
      const fx = Math.max(0, (x + 0.5) * sx - 0.5);
      const x0 = Math.min(w - 1, Math.floor(fx));
      const x1 = Math.min(w - 1, x0 + 1);
      const wx = fx - x0;
      const o = (top + y) * outW + left + x;
      for (let c = 0; c < 3; c++) {
        const a = data[(y0 * w + x0) * 4 + c]!;
        const b = data[(y0 * w + x1) * 4 + c]!;
        const d = data[(y1 * w + x0) * 4 + c]!;
        const e = data[(y1 * w + x1) * 4 + c]!;
        const v = (a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy;
        out[c * plane + o] = Math.round(v) / 255;
      }
    }
  }
  return out;
}

export function loadImageSample(bytes: Uint8Array, file: string, outH: number, outW: number): Float32Array {
  return letterbox(decodeImage(bytes, file), outH, outW);
}
