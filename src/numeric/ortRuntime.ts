/**
 * Finding and loading ONNX Runtime (`onnxruntime-node`, CPU) at run time, and the adapter that
 * turns it into the core's `NumericRuntime`. Node only, no `vscode`: the CLI and the numeric worker
 * thread both use it. ONNX Runtime is never bundled (its native binaries are ~70 MB per platform);
 * it is loaded with `require` from, in order:
 *
 * 1. an explicit folder (`--ort` / `$QDQ_ORT_PATH` / the `qdqStudio.numeric.onnxRuntimePath`
 *    setting): the `onnxruntime-node` package folder itself, or a folder with
 *    `node_modules/onnxruntime-node` (what `npm install onnxruntime-node --prefix DIR` makes);
 * 2. the extension's global storage, where "QDQ Studio: Install ONNX Runtime" installs it;
 * 3. normal resolution from this bundle (the repository's own node_modules in development/tests).
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { FetchedTensor, FloatTensor, NumericRuntime, NumericSession, OutputInfo } from '../core/numeric/index';

/** The part of onnxruntime-node's API this adapter uses. */
export interface OrtTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
  dispose?(): void;
}
export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** onnxruntime-node >= 1.22: inferred output types and shapes. */
  readonly outputMetadata?: readonly { readonly name: string; readonly isTensor?: boolean; readonly type?: string; readonly shape?: readonly (number | string)[] }[];
  run(feeds: Record<string, OrtTensor>, fetches: readonly string[]): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
export interface OrtModule {
  readonly InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
  readonly Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  readonly env?: { readonly versions?: { readonly node?: string; readonly common?: string } };
}

export class OrtNotFoundError extends Error {
  constructor(
    readonly tried: readonly string[],
    readonly detail: string,
  ) {
    super(`ONNX Runtime (onnxruntime-node) could not be loaded: ${detail}`);
    this.name = 'OrtNotFoundError';
  }
}

export interface LoadedOrt {
  readonly ort: OrtModule;
  /** The folder it was loaded from. */
  readonly from: string;
  readonly version: string;
}

/** The onnxruntime-node package folder under `dir` (the package itself, or `dir/node_modules/onnxruntime-node`), if any. */
export function ortPackageDir(dir: string): string | undefined {
  for (const cand of [dir, path.join(dir, 'node_modules', 'onnxruntime-node')]) {
    try {
      const pj = JSON.parse(fs.readFileSync(path.join(cand, 'package.json'), 'utf8')) as { name?: string };
      if (pj.name === 'onnxruntime-node') return cand;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/**
 * Load onnxruntime-node from the first of `folders` that has it, else through normal resolution
 * from `resolveFrom` (a file path; default: this bundle).
 */
export function loadOrt(folders: readonly (string | undefined)[], resolveFrom: string = __filename): LoadedOrt {
  const tried: string[] = [];
  let lastError = '';
  const req = createRequire(resolveFrom);
  const attempt = (spec: string, label: string): LoadedOrt | undefined => {
    tried.push(label);
    try {
      const ort = req(spec) as OrtModule;
      if (!ort?.InferenceSession?.create || !ort.Tensor) throw new Error('the module does not look like onnxruntime-node');
      const dir = path.dirname(req.resolve(spec));
      return { ort, from: dir, version: ort.env?.versions?.node ?? ort.env?.versions?.common ?? 'unknown' };
    } catch (e) {
      const msg = String((e as Error)?.message ?? e).split('\n')[0]!;
      if ((e as NodeJS.ErrnoException)?.code !== 'MODULE_NOT_FOUND' || !msg.includes('onnxruntime-node')) lastError = `${label}: ${msg}`;
      return undefined;
    }
  };
  for (const f of folders) {
    if (!f) continue;
    const pkg = ortPackageDir(f);
    if (!pkg) {
      tried.push(f);
      continue;
    }
    const got = attempt(pkg, pkg);
    if (got) return got;
  }
  const got = attempt('onnxruntime-node', 'node_modules resolution');
  if (got) return got;
  throw new OrtNotFoundError(tried, lastError || `not installed (looked in ${tried.join(', ')})`);
}

/**
 * Where `loadOrt` would load onnxruntime-node from, found without loading it (no native code runs):
 * the package folder, or an `OrtNotFoundError` saying where it looked. What the Numeric Check
 * command asks before its questions; the job's `loadOrt` still reports a package that is there but
 * does not load.
 */
export function findOrt(folders: readonly (string | undefined)[], resolveFrom: string = __filename): string {
  const tried: string[] = [];
  for (const f of folders) {
    if (!f) continue;
    const pkg = ortPackageDir(f);
    if (pkg) return pkg;
    tried.push(f);
  }
  tried.push('node_modules resolution');
  try {
    return path.dirname(createRequire(resolveFrom).resolve('onnxruntime-node/package.json'));
  } catch {
    throw new OrtNotFoundError(tried, `not installed (looked in ${tried.join(', ')})`);
  }
}

export interface OrtRuntimeOptions {
  /** Intra-op threads (default: ONNX Runtime's own choice). */
  readonly threads?: number;
  /** Graph optimisation level; default `basic` (constant folding, no QDQ-to-integer-kernel fusions, so the Q/DQ model runs as fake-quant float). */
  readonly optimization?: 'disabled' | 'basic' | 'extended' | 'all';
}

export function ortRuntime(loaded: LoadedOrt, o: OrtRuntimeOptions = {}): NumericRuntime {
  const { ort } = loaded;
  return {
    description: `onnxruntime-node ${loaded.version} (cpu)`,
    async createSession(model: Uint8Array, label: string): Promise<NumericSession> {
      let s: OrtSession;
      try {
        s = await ort.InferenceSession.create(model, {
          executionProviders: ['cpu'],
          graphOptimizationLevel: o.optimization ?? 'basic',
          ...(o.threads ? { intraOpNumThreads: o.threads } : {}),
          logSeverityLevel: 3,
        });
      } catch (e) {
        throw new Error(`${label}: ONNX Runtime cannot load the model: ${String((e as Error)?.message ?? e).split('\n')[0]}`);
      }
      const outputInfo = new Map<string, OutputInfo>();
      for (const m of s.outputMetadata ?? []) {
        if (m.isTensor === false || !m.type) continue;
        outputInfo.set(m.name, { type: m.type, ...(m.shape ? { dims: m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : null)) } : {}) });
      }
      return {
        inputNames: s.inputNames,
        outputNames: s.outputNames,
        outputInfo,
        async run(feeds: Readonly<Record<string, FloatTensor>>, fetches: readonly string[]): Promise<Record<string, FetchedTensor>> {
          const f: Record<string, OrtTensor> = {};
          for (const [k, v] of Object.entries(feeds)) f[k] = new ort.Tensor('float32', v.data, v.dims);
          const out = await s.run(f, fetches);
          const res: Record<string, FetchedTensor> = {};
          for (const [k, t] of Object.entries(out)) {
            res[k] = t.type === 'float32' && t.data instanceof Float32Array ? { type: t.type, dims: t.dims, data: t.data } : { type: t.type, dims: t.dims };
          }
          return res;
        },
        release: () => s.release(),
      };
    },
  };
}
