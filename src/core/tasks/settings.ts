/**
 * Where the tools come from: the Python interpreter, the yolov9-qat checkout and trtexec. Pure:
 * the file system is asked through `exists`, so the order of the lookups is unit-tested.
 *
 * Order (first hit wins):
 *   Python   — the `qdqStudio.python.path` setting; the Python extension's selected interpreter;
 *              `python3`, then `python` on PATH.
 *   checkout — the `qdqStudio.yolov9Qat.path` setting; a workspace folder holding `qat.py` (one with
 *              `export_qat.py` beside it preferred; the shallowest next).
 *   trtexec  — the `qdqStudio.trtexec.path` setting; `trtexec` on PATH; the places NVIDIA's
 *              containers and JetPack install it (`/usr/src/tensorrt/bin/trtexec`).
 * A miss is a `ToolProblem` naming the setting, which the host turns into an actionable message.
 */
import { pathOps, type PathStyle } from './commandLine';

export type ToolKind = 'python' | 'checkout' | 'trtexec';

export const TOOL_SETTINGS: Readonly<Record<ToolKind, string>> = {
  python: 'qdqStudio.python.path',
  checkout: 'qdqStudio.yolov9Qat.path',
  trtexec: 'qdqStudio.trtexec.path',
};

export type ToolSource = 'setting' | 'python-extension' | 'PATH' | 'well-known location' | 'workspace';

export interface ToolFound {
  ok: true;
  kind: ToolKind;
  path: string;
  source: ToolSource;
}

export interface ToolProblem {
  ok: false;
  kind: ToolKind;
  /** The setting that fixes it. */
  setting: string;
  message: string;
}

export type ToolResolution = ToolFound | ToolProblem;

export interface LookupEnv {
  /** The PATH variable of the extension host (where tasks run). */
  pathEnv: string | undefined;
  /** Win32 PATHEXT, when on Windows. */
  pathExt?: string | undefined;
  pathStyle: PathStyle;
  /** Is there a file (an executable, for programs) at this path? */
  exists(path: string): Promise<boolean>;
}

export const WELL_KNOWN_TRTEXEC = ['/usr/src/tensorrt/bin/trtexec', '/usr/local/tensorrt/bin/trtexec', '/opt/tensorrt/bin/trtexec'];

/** The first `name` found on PATH (with PATHEXT on Windows). */
export async function findOnPath(name: string, env: LookupEnv): Promise<string | undefined> {
  if (!env.pathEnv) return undefined;
  const p = pathOps(env.pathStyle);
  const dirs = env.pathEnv.split(env.pathStyle === 'win32' ? ';' : ':').filter((d) => d !== '');
  const exts = env.pathStyle === 'win32' ? ['', ...(env.pathExt ?? '.EXE;.CMD;.BAT;.COM').split(';').filter((e) => e !== '')] : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = p.join(dir, name + ext);
      if (await env.exists(candidate)) return candidate;
    }
  }
  return undefined;
}

function setting(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v ? v : undefined;
}

async function fromSetting(kind: ToolKind, value: string, env: LookupEnv, what: string): Promise<ToolResolution> {
  if (await env.exists(value)) return { ok: true, kind, path: value, source: 'setting' };
  // A bare name in the setting (`python3.10`) is looked up on PATH.
  if (!value.includes('/') && !(env.pathStyle === 'win32' && value.includes('\\'))) {
    const found = await findOnPath(value, env);
    if (found) return { ok: true, kind, path: found, source: 'setting' };
  }
  return { ok: false, kind, setting: TOOL_SETTINGS[kind], message: `${what} "${value}" from the setting ${TOOL_SETTINGS[kind]} does not exist.` };
}

/** The Python interpreter the tasks run. `fromExtension` is the Python extension's selection, if any. */
export async function resolvePython(settingValue: string | undefined, fromExtension: string | undefined, env: LookupEnv): Promise<ToolResolution> {
  const s = setting(settingValue);
  if (s) return fromSetting('python', s, env, 'The Python interpreter');
  if (fromExtension && (await env.exists(fromExtension))) return { ok: true, kind: 'python', path: fromExtension, source: 'python-extension' };
  for (const name of env.pathStyle === 'win32' ? ['python', 'py'] : ['python3', 'python']) {
    const found = await findOnPath(name, env);
    if (found) return { ok: true, kind: 'python', path: found, source: 'PATH' };
  }
  return {
    ok: false,
    kind: 'python',
    setting: TOOL_SETTINGS.python,
    message: 'No Python interpreter found: select one with the Python extension, or set qdqStudio.python.path.',
  };
}

/** trtexec. */
export async function resolveTrtexec(settingValue: string | undefined, env: LookupEnv): Promise<ToolResolution> {
  const s = setting(settingValue);
  if (s) return fromSetting('trtexec', s, env, 'trtexec');
  const found = await findOnPath('trtexec', env);
  if (found) return { ok: true, kind: 'trtexec', path: found, source: 'PATH' };
  if (env.pathStyle === 'posix') {
    for (const candidate of WELL_KNOWN_TRTEXEC) if (await env.exists(candidate)) return { ok: true, kind: 'trtexec', path: candidate, source: 'well-known location' };
  }
  return {
    ok: false,
    kind: 'trtexec',
    setting: TOOL_SETTINGS.trtexec,
    message: 'trtexec was not found on PATH or in /usr/src/tensorrt/bin: install TensorRT where the workspace runs, or set qdqStudio.trtexec.path.',
  };
}

/**
 * The yolov9-qat checkout. `qatPyFiles` are the `qat.py` files found in the workspace; the folder
 * of one that has `export_qat.py` beside it wins, else the shallowest.
 */
export async function resolveCheckout(settingValue: string | undefined, qatPyFiles: string[], env: LookupEnv): Promise<ToolResolution> {
  const p = pathOps(env.pathStyle);
  const s = setting(settingValue);
  if (s) {
    if (await env.exists(p.join(s, 'qat.py'))) return { ok: true, kind: 'checkout', path: s, source: 'setting' };
    return { ok: false, kind: 'checkout', setting: TOOL_SETTINGS.checkout, message: `The folder "${s}" from the setting ${TOOL_SETTINGS.checkout} has no qat.py: point it at your yolov9-qat checkout.` };
  }
  const depth = (f: string) => f.split(/[\\/]/).length;
  const sorted = [...qatPyFiles].sort((a, b) => depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0));
  for (const f of sorted) if (await env.exists(p.join(p.dirname(f), 'export_qat.py'))) return { ok: true, kind: 'checkout', path: p.dirname(f), source: 'workspace' };
  if (sorted.length) return { ok: true, kind: 'checkout', path: p.dirname(sorted[0]!), source: 'workspace' };
  return {
    ok: false,
    kind: 'checkout',
    setting: TOOL_SETTINGS.checkout,
    message: 'No yolov9-qat checkout found (no qat.py in the workspace): open the checkout as a workspace folder, or set qdqStudio.yolov9Qat.path.',
  };
}

/** Tasks run programs: only in a trusted workspace. The message for an untrusted one, else undefined. */
export function taskTrustProblem(isTrusted: boolean): string | undefined {
  return isTrusted
    ? undefined
    : 'QDQ Studio runs quantization and TensorRT tasks only in a trusted workspace. Trust this folder (Manage Workspace Trust) to run them; viewing models works without.';
}
