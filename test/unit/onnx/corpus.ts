/** Model corpora for data-driven codec tests: checked-in builder fixtures + the optional shared corpus. */
import * as fs from 'node:fs';
import * as path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

export function checkedInModels(): string[] {
  const dir = path.join(repoRoot, 'test', 'fixtures', 'onnx');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.onnx')).sort().map((f) => path.join(dir, f));
}

let reported = false;
/** The real exported models in ../shared/fixtures/onnx (or $QDQ_SHARED_FIXTURES/onnx), when present. */
export function sharedModels(): string[] {
  const base = process.env.QDQ_SHARED_FIXTURES ?? path.resolve(repoRoot, '..', 'shared', 'fixtures');
  const dir = path.join(base, 'onnx');
  if (!fs.existsSync(dir)) {
    if (!reported) console.log(`[fixtures] shared corpus not found at ${dir}: skipping the real-model cases`);
    reported = true;
    return [];
  }
  return fs.readdirSync(dir).filter((f) => f.endsWith('.onnx')).sort().map((f) => path.join(dir, f));
}
