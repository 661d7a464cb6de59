/**
 * Finds the optional external fixture corpus (real yolov9 exports and trtexec
 * outputs) that lives next to the repository, at `../shared/fixtures` from the
 * repo root, or wherever `QDQ_SHARED_FIXTURES` points. A fresh clone has no
 * such folder: then every lookup returns empty lists and logs exactly one line
 * saying where it looked and how many real-model cases are skipped, so a
 * skipped corpus is never silent.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Repository root (this file is test/support/fixtures.ts). */
export const repoRoot: string = path.resolve(__dirname, '..', '..');

/** Checked-in fixtures made by scripts/make-fixtures.ts. */
export const localOnnxFixtures: string = path.join(repoRoot, 'test', 'fixtures', 'onnx');

export const SHARED_FIXTURES_ENV = 'QDQ_SHARED_FIXTURES';

export interface SharedCorpus {
  /** Where we looked. */
  readonly root: string;
  readonly found: boolean;
  /** Absolute paths of `<root>/onnx/*.onnx`, sorted. */
  readonly onnx: readonly string[];
  /** Absolute paths of the files in `<root>/trtexec/` (logs, JSON reports), sorted, README excluded. */
  readonly trtexec: readonly string[];
}

export interface FindOptions {
  /** How many real-model cases the caller would run; goes into the skip line. */
  cases?: number;
  /** Where the skip line goes (default console.log). */
  log?: (line: string) => void;
  /** Overrides the environment (for tests). */
  env?: NodeJS.ProcessEnv;
}

/** `$QDQ_SHARED_FIXTURES`, else `<repo>/../shared/fixtures`. */
export function sharedFixturesRoot(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[SHARED_FIXTURES_ENV];
  return fromEnv ? path.resolve(fromEnv) : path.resolve(repoRoot, '..', 'shared', 'fixtures');
}

function listFiles(dir: string, keep: (name: string) => boolean): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => keep(n) && fs.statSync(path.join(dir, n)).isFile())
    .sort()
    .map((n) => path.join(dir, n));
}

/**
 * Look for the shared corpus. When it is missing (or holds no .onnx files),
 * returns empty lists and logs one line:
 * `[fixtures] shared corpus not found at <path>: skipping N real-model cases`.
 */
export function findSharedCorpus(o: FindOptions = {}): SharedCorpus {
  const root = sharedFixturesRoot(o.env);
  const onnx = listFiles(path.join(root, 'onnx'), (n) => n.toLowerCase().endsWith('.onnx'));
  const trtexec = listFiles(path.join(root, 'trtexec'), (n) => !/^readme/i.test(n));
  if (onnx.length === 0 && trtexec.length === 0) {
    const n = o.cases === undefined ? 'all' : String(o.cases);
    const why = fs.existsSync(root) ? 'has no onnx/ or trtexec/ files' : 'not found';
    (o.log ?? console.log)(`[fixtures] shared corpus ${why} at ${root}: skipping ${n} real-model cases`);
    return { root, found: false, onnx: [], trtexec: [] };
  }
  return { root, found: true, onnx, trtexec };
}

/** The shared corpus's .onnx files (empty, with one log line, when absent). */
export function sharedOnnxModels(o: FindOptions = {}): readonly string[] {
  return findSharedCorpus(o).onnx;
}

/** The shared corpus's trtexec files (empty, with one log line, when absent). */
export function sharedTrtexecFiles(o: FindOptions = {}): readonly string[] {
  return findSharedCorpus(o).trtexec;
}
