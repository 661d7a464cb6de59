/**
 * What a file opened as an ONNX model is when it is plainly something else (a Git LFS pointer, a
 * PyTorch checkpoint, a compressed or Keras/TFLite model), from its first bytes: `decodeModel` says
 * that instead of the first protobuf field that does not parse. Pure.
 */
const ascii = new TextDecoder('latin1');

/** Whether `bytes` start with `magic` (byte values) at `at`. */
function startsWith(bytes: Uint8Array, magic: readonly number[], at = 0): boolean {
  if (bytes.length < at + magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[at + i] !== magic[i]) return false;
  return true;
}

/** The legacy (before 1.6) torch.save format: a pickle (protocol 2) of torch's magic number first. */
const LEGACY_TORCH = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

/**
 * Files that users open as ONNX models but that are something else, said plainly instead of as the
 * first protobuf field that does not parse. A Git LFS pointer, a zip archive, gzip and TensorFlow
 * Lite cannot start a ModelProto (an invalid wire type or field number within their first bytes);
 * the HDF5 and legacy torch.save magics are valid field tags of fields ModelProto does not have,
 * which no exporter writes first (they begin with ir_version), so no real model is refused.
 */
export function notOnnx(head: Uint8Array): string | undefined {
  const text = ascii.decode(head);
  if (/^version https:\/\/(git-lfs|hawser)\.github\.com\/spec\/v\d/.test(text)) {
    const oid = /\noid (\S+)/.exec(text)?.[1];
    const size = /\nsize (\d+)/.exec(text)?.[1];
    const what = [oid, size && `${size} bytes`].filter(Boolean).join(', ');
    return `this is a Git LFS pointer, not the model: the repository keeps the model in Git LFS${what ? ` (${what})` : ''} and this checkout has only the pointer. ` +
      'Fetch the file with `git lfs pull` (in CI, check out with LFS, e.g. actions/checkout with `lfs: true`)';
  }
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) {
    // A local file header: the first entry's name is at 30, its length at 26.
    const nameLength = head.length >= 30 ? head[26]! | (head[27]! << 8) : 0;
    const first = nameLength ? text.slice(30, 30 + nameLength) : '';
    if (/(^|\/)data\.pkl$/.test(first)) {
      return `this is a PyTorch file (a zip archive whose first entry is '${first}', as torch.save and torch.jit.save write), not an ONNX model: export the model to ONNX (torch.onnx.export) and open the .onnx file`;
    }
    return `this looks like a zip archive${first ? ` (first entry '${first}')` : ''}, such as a PyTorch .pt checkpoint, not an ONNX model: unpack or export it, and open the .onnx file`;
  }
  if (startsWith(head, LEGACY_TORCH)) {
    return 'this is a PyTorch checkpoint in the legacy torch.save format, not an ONNX model: export the model to ONNX (torch.onnx.export) and open the .onnx file';
  }
  if (startsWith(head, [0x1f, 0x8b])) return 'this file is gzip-compressed: decompress it (gunzip) and open the ONNX model inside';
  if (startsWith(head, [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a])) {
    return 'this is an HDF5 file (such as a Keras .h5 model), not an ONNX model: convert it to ONNX first (for example with tf2onnx)';
  }
  if (startsWith(head, [0x54, 0x46, 0x4c, 0x33], 4) && head[2] === 0 && head[3] === 0) {
    return 'this is a TensorFlow Lite model, not an ONNX model: convert it to ONNX first (for example with tf2onnx --tflite)';
  }
  return undefined;
}

