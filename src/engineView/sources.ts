/**
 * Which files make one engine build, which other builds it can be compared with, and the history
 * of earlier builds. Our trtexec tasks write `<flavour>.layer.json`, `<flavour>.profile.json`,
 * `<flavour>.log` into `<model>.trtexec/`; hand-run builds often use `.layerinfo.json` /
 * `.console.log`, which are found too. Before a build writes its files, the previous build of that
 * flavour moves to `<model>.trtexec/history/<flavour>.<YYYYMMDD-HHMMSS>.*` (its layer info, profile
 * and log; the last `KEEP_BUILDS`), so "before vs after an edit" can be compared. No `vscode`
 * (unit-tested).
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

export interface EngineSource {
  layerInfo: string;
  profile?: string;
  log?: string;
  /** What the user calls the build: `qdq`, `fp16`, or the file's stem. */
  label: string;
}

/** The sub-folder of a build folder that keeps earlier builds (kept in step with core/tasks/trtexec.ts). */
export const HISTORY_DIR = 'history';
/** Earlier builds kept per flavour. */
export const KEEP_BUILDS = 3;

const LAYER_SUFFIXES = ['.layer.json', '.layerinfo.json', '.layers.json', '.json'];

/** The stem shared by a build's files: `/d/qdq.layer.json` → `/d/qdq`. */
export function buildStem(layerInfo: string): string {
  const lower = layerInfo.toLowerCase();
  for (const s of LAYER_SUFFIXES) if (lower.endsWith(s)) return layerInfo.slice(0, layerInfo.length - s.length);
  return layerInfo;
}

export function isLayerInfoName(file: string): boolean {
  const lower = file.toLowerCase();
  return lower.endsWith('.layer.json') || lower.endsWith('.layerinfo.json') || lower.endsWith('.layers.json');
}

async function firstExisting(candidates: string[]): Promise<string | undefined> {
  for (const c of candidates) {
    try {
      if ((await fsp.stat(c)).isFile()) return c;
    } catch {
      /* next */
    }
  }
  return undefined;
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await fsp.readdir(dir);
  } catch {
    return [];
  }
}

/** The build a layer-info file belongs to, with the profile and log that exist beside it. */
export async function sourceFor(layerInfo: string): Promise<EngineSource> {
  const stem = buildStem(layerInfo);
  const src: EngineSource = { layerInfo, label: path.basename(stem) };
  const profile = await firstExisting([`${stem}.profile.json`]);
  if (profile) src.profile = profile;
  const log = await firstExisting([`${stem}.log`, `${stem}.console.log`, `${stem}.trtexec.log`, `${stem}.profile.metadata.json`]);
  if (log) src.log = log;
  return src;
}

/** The other builds in the same folder, sorted by name (earlier builds in `history/` are not among them). */
export async function siblingBuilds(layerInfo: string): Promise<EngineSource[]> {
  const dir = path.dirname(layerInfo);
  const others = (await readdirOrEmpty(dir)).filter(isLayerInfoName).map((n) => path.join(dir, n)).filter((p) => p !== layerInfo).sort();
  return Promise.all(others.map(sourceFor));
}

// ---- history of earlier builds ------------------------------------------------------------------

/** An earlier build kept in `history/`: `qdq.20250501-093012` (`-2`, `-3` when two fall in one second). */
export interface HistoryName {
  flavour: string;
  /** `YYYYMMDD-HHMMSS`, local time the build was replaced by the next one (moved into `history/`). */
  stamp: string;
  seq: number;
}

const HISTORY_STEM = /^(.+)\.(\d{8}-\d{6})(?:-(\d+))?$/;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

export function historyStamp(d: Date): string {
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
}

export function historyStem(h: HistoryName): string {
  return `${h.flavour}.${h.stamp}${h.seq > 1 ? `-${h.seq}` : ''}`;
}

/** The history entry a file name in `history/` belongs to (any of its files), or undefined. */
export function parseHistoryName(file: string): HistoryName | undefined {
  const stem = path.basename(file).replace(/\.(?:layer\.json|profile\.json|log)$/i, '');
  const m = HISTORY_STEM.exec(stem);
  return m ? { flavour: m[1]!, stamp: m[2]!, seq: m[3] ? Number(m[3]) : 1 } : undefined;
}

/** Newest first. */
function byAgeDescending(a: HistoryName, b: HistoryName): number {
  return a.stamp !== b.stamp ? (a.stamp < b.stamp ? 1 : -1) : b.seq - a.seq;
}

/** `20250501-093012` → `2025-05-01 09:30:12`. */
export function stampText(stamp: string): string {
  return `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)} ${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}`;
}

/** When the build of this layer info was written (`2025-05-01 09:30:12`, local time), or undefined when it cannot be read. */
async function builtText(layerInfo: string): Promise<string | undefined> {
  try {
    return stampText(historyStamp((await fsp.stat(layerInfo)).mtime));
  } catch {
    return undefined;
  }
}

/** The entries of `history/` with a layer info, one per build, newest first. */
export function historyEntries(names: readonly string[]): Array<HistoryName & { layerInfo: string }> {
  const out: Array<HistoryName & { layerInfo: string }> = [];
  for (const n of names) {
    if (!n.toLowerCase().endsWith('.layer.json')) continue;
    const h = parseHistoryName(n);
    if (h) out.push({ ...h, layerInfo: n });
  }
  return out.sort(byAgeDescending);
}

/** The files of `history/` that go when only the newest `keep` builds of `flavour` stay. */
export function historyToPrune(names: readonly string[], flavour: string, keep = KEEP_BUILDS): string[] {
  const builds = new Map<string, HistoryName>();
  for (const n of names) {
    const h = parseHistoryName(n);
    if (h && h.flavour === flavour) builds.set(historyStem(h), h);
  }
  const old = new Set([...builds.values()].sort(byAgeDescending).slice(keep).map(historyStem));
  return names.filter((n) => {
    const h = parseHistoryName(n);
    return h !== undefined && old.has(historyStem(h));
  });
}

/** The files of one build that the history keeps (not the engine: it can be large, and nothing reads it back). */
export interface BuildFiles {
  dir: string;
  layerInfo: string;
  profile: string;
  log: string;
}

/** What `keepPreviousBuild` did. */
export interface KeptBuild {
  /** The kept layer info's new path in `history/`; undefined when there was no previous build. */
  kept?: string;
  /**
   * The files of older kept builds deleted to keep the last `keep` (absolute paths): what was said
   * about them (the Problems entries of a log) goes with them.
   */
  removed: string[];
}

/**
 * Before a build writes its files: the previous build of that flavour (when it wrote a layer info)
 * moves into `history/` with its profile and log, and only the newest `keep` stay; without a
 * layer info, a profile left over is removed (stale files must not pass for the new build's).
 */
export async function keepPreviousBuild(files: BuildFiles, keep = KEEP_BUILDS, now: () => Date = () => new Date()): Promise<KeptBuild> {
  let previous = false;
  try {
    previous = (await fsp.stat(files.layerInfo)).isFile();
  } catch {
    /* no previous build */
  }
  if (!previous || keep < 1) {
    await Promise.all([files.layerInfo, files.profile].map((f) => fsp.rm(f, { force: true })));
    return { removed: [] };
  }
  const flavour = path.basename(buildStem(files.layerInfo));
  const history = path.join(files.dir, HISTORY_DIR);
  await fsp.mkdir(history, { recursive: true });
  const taken = new Set(await readdirOrEmpty(history));
  // Named by when it was replaced, not by its files' mtime: a build copied with its times kept
  // (scp -p, rsync -a) or a clock change must not sort it before older kept builds (it would be
  // pruned at once, and "previous" would name another build).
  const entry: HistoryName = { flavour, stamp: historyStamp(now()), seq: 1 };
  while (taken.has(`${historyStem(entry)}.layer.json`)) entry.seq++;
  const stem = path.join(history, historyStem(entry));
  const moves: Array<[string, string]> = [
    [files.layerInfo, `${stem}.layer.json`],
    [files.profile, `${stem}.profile.json`],
    [files.log, `${stem}.log`],
  ];
  for (const [from, to] of moves) {
    try {
      await fsp.rename(from, to);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  const names = await readdirOrEmpty(history);
  const kept = path.basename(stem);
  // Never the build just kept (a clock set back could sort it first).
  const prune = historyToPrune(names, flavour, keep)
    .filter((n) => !n.startsWith(`${kept}.`))
    .map((n) => path.join(history, n));
  await Promise.all(prune.map((f) => fsp.rm(f, { force: true })));
  return { kept: `${stem}.layer.json`, removed: prune };
}

// ---- builds to compare with ---------------------------------------------------------------------

/**
 * Where a comparable build was found: `previous` is the last build of the same flavour before this
 * one (the default comparison), `sibling` another build in the same folder, `twin` a build in
 * another `<model>.trtexec/` folder beside the model (a QAT model's float twin's baselines),
 * `loose` a layer info saved beside the model, `history` an older kept build.
 */
export type ComparableKind = 'previous' | 'sibling' | 'twin' | 'loose' | 'history';

export interface ComparableBuild extends EngineSource {
  kind: ComparableKind;
  /** Why it is listed, e.g. `before this build, 2025-05-01 09:30:12`. */
  description: string;
}

const KIND_RANK: Record<ComparableKind, number> = { previous: 0, sibling: 1, twin: 2, loose: 3, history: 4 };
/** Among the other folders' builds, the baselines a QAT build is measured against first. */
const FLAVOUR_RANK: Record<string, number> = { ptq: 0, fp16: 1, qdq: 2 };

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** At most this many builds are offered (a folder of many models). */
export const MAX_COMPARABLE = 100;

/**
 * Every other build the build of `layerInfo` can be compared with, best first: the build before
 * this one (history), the other builds in its folder, the builds in the other `*.trtexec/` folders
 * beside its model (closest model name first, then PTQ, FP16, Q/DQ), layer infos saved beside the
 * model, then older kept builds.
 */
export async function comparableBuilds(layerInfo: string, max = MAX_COMPARABLE): Promise<ComparableBuild[]> {
  const self = path.resolve(layerInfo);
  let home = path.dirname(self);
  const inHistory = path.basename(home) === HISTORY_DIR;
  if (inHistory) home = path.dirname(home);
  const selfHistory = inHistory ? parseHistoryName(self) : undefined;
  const flavour = selfHistory?.flavour ?? path.basename(buildStem(self));
  const found: Array<{ file: string; kind: ComparableKind; label: string; description: string; rank: number[] }> = [];
  const add = (file: string, kind: ComparableKind, label: string, description: string, rank: number[] = []) => {
    if (file !== self) found.push({ file, kind, label, description, rank: [KIND_RANK[kind], ...rank] });
  };

  const homeStem = path.basename(home).replace(/\.trtexec$/, '');
  const ownFolder = home.endsWith('.trtexec');
  const sameFolderDescription = ownFolder ? `${homeStem}.trtexec` : 'same folder';
  const homeNames = (await readdirOrEmpty(home)).sort();
  for (const n of homeNames.filter(isLayerInfoName)) {
    const stem = path.basename(buildStem(n));
    add(path.join(home, n), 'sibling', stem, stem === flavour && inHistory ? 'the current build' : sameFolderDescription);
  }

  const history = path.join(home, HISTORY_DIR);
  let previousTaken = inHistory;
  for (const h of historyEntries(await readdirOrEmpty(history))) {
    const file = path.join(history, h.layerInfo);
    const when = stampText(h.stamp);
    // The stamp is when the build was replaced; when it was built is its layer info's time (a
    // rename into history/ keeps it).
    const built = await builtText(file);
    if (!previousTaken && h.flavour === flavour) {
      previousTaken = true;
      add(file, 'previous', `previous ${flavour}`, built ? `before this build, built ${built}` : `before this build, replaced ${when}`);
    } else {
      add(file, 'history', `${h.flavour} of ${when}`, built ? `earlier build, built ${built}` : 'earlier build');
    }
  }

  /** The builds in the `*.trtexec/` folders among `names` of `dir` (not this build's), closest to `nameStem` first. */
  const addTwins = async (dir: string, names: readonly string[], nameStem: string): Promise<void> => {
    for (const n of names) {
      const folder = path.join(dir, n);
      if (!n.endsWith('.trtexec') || folder === home) continue;
      const stem = n.slice(0, -'.trtexec'.length);
      for (const f of (await readdirOrEmpty(folder)).filter(isLayerInfoName).sort()) {
        const fl = path.basename(buildStem(f));
        add(path.join(folder, f), 'twin', `${stem} · ${fl}`, n, [-commonPrefix(stem, nameStem), FLAVOUR_RANK[fl] ?? 3]);
      }
    }
  };
  if (ownFolder) {
    const modelDir = path.dirname(home);
    const names = (await readdirOrEmpty(modelDir)).sort();
    await addTwins(modelDir, names, homeStem);
    for (const n of names.filter(isLayerInfoName)) add(path.join(modelDir, n), 'loose', path.basename(buildStem(n)), 'beside the model');
  } else {
    // A layer info saved beside its model: the builds QDQ Studio made for the models of this folder.
    await addTwins(home, homeNames, path.basename(buildStem(self)));
  }

  found.sort((a, b) => {
    for (let i = 0; i < Math.max(a.rank.length, b.rank.length); i++) {
      const d = (a.rank[i] ?? 0) - (b.rank[i] ?? 0);
      if (d !== 0) return d;
    }
    return a.file < b.file ? -1 : a.file > b.file ? 1 : 0;
  });
  return Promise.all(
    found.slice(0, max).map(async (f) => ({ ...(await sourceFor(f.file)), label: f.label, kind: f.kind, description: f.description })),
  );
}
