/**
 * Which files make one engine build: the `--exportLayerInfo` JSON and, beside it, the profile and
 * console log of the same build. Our trtexec tasks write `<flavour>.layer.json`,
 * `<flavour>.profile.json`, `<flavour>.log`; hand-run builds often use `.layerinfo.json` /
 * `.console.log`, which are found too. No `vscode` (unit-tested).
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

/** The other builds in the same folder (candidates for a comparison), sorted by name. */
export async function siblingBuilds(layerInfo: string): Promise<EngineSource[]> {
  const dir = path.dirname(layerInfo);
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return [];
  }
  const others = names.filter(isLayerInfoName).map((n) => path.join(dir, n)).filter((p) => p !== layerInfo).sort();
  return Promise.all(others.map(sourceFor));
}
