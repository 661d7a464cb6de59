/**
 * The layer lines of a YOLO model definition (`models/detect/*.yaml`, `models/*\/*.yaml` in the
 * yolov9 repository). The model builder enumerates `backbone` then `head`, so the N-th entry
 * across both lists is `model.N`; each entry is `[from, number, module, args]`. Read with the
 * `yaml` library's source positions (`parseDocument` + `LineCounter`) so every layer knows its
 * line, for decorations, hovers and CodeLenses at that line.
 */
import { isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { SensitivityFormatError } from './errors';
import { layerIndexOf } from './nameMapping';

export interface YamlLayer {
  /** N of `model.N`. */
  readonly index: number;
  /** `model.N`. */
  readonly layer: string;
  readonly section: 'backbone' | 'head';
  /** 1-based line and column where the entry starts, and the line where it ends. */
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  /** The module type (`Conv`, `RepNCSPELAN4`, `nn.Upsample`, `DDetect`), or null if the entry is not `[from, n, module, args]`. */
  readonly type: string | null;
  /** `from`, `number` and `args` as written (plain values). */
  readonly from: unknown;
  readonly repeats: unknown;
  readonly args: unknown;
}

export interface ModelYaml {
  readonly file: string;
  readonly layers: readonly YamlLayer[];
  /** Entries that do not look like `[from, number, module, args]` (still counted). */
  readonly warnings: readonly string[];
}

/** Parse a YOLO model YAML. Throws SensitivityFormatError (file:line:column) on YAML errors or a missing backbone/head. */
export function parseModelYaml(text: string, file: string): ModelYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0] ?? (err.pos ? lineCounter.linePos(err.pos[0]) : undefined);
    const msg = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new SensitivityFormatError(file, `invalid YAML: ${msg}`, pos ? { line: pos.line, column: pos.col } : undefined);
  }
  const layers: YamlLayer[] = [];
  const warnings: string[] = [];
  for (const section of ['backbone', 'head'] as const) {
    const seq = doc.get(section, true) as YamlNode | undefined;
    if (!isSeq(seq)) {
      const where = seq?.range ? lineCounter.linePos(seq.range[0]) : undefined;
      throw new SensitivityFormatError(
        file,
        seq === undefined ? `no "${section}" list: not a YOLO model definition` : `"${section}" is not a list of layers`,
        where ? { line: where.line, column: where.col } : undefined,
      );
    }
    for (const item of seq.items as YamlNode[]) {
      const index = layers.length;
      const start = item.range ? lineCounter.linePos(item.range[0]) : { line: 0, col: 0 };
      const end = item.range ? lineCounter.linePos(Math.max(item.range[0], item.range[1] - 1)) : start;
      const value = item.toJSON() as unknown;
      const ok = Array.isArray(value) && value.length === 4 && typeof value[2] === 'string';
      if (!ok) warnings.push(`${file}:${start.line}: ${section} entry ${index} is not [from, number, module, args]`);
      const arr = Array.isArray(value) ? value : [];
      layers.push({
        index,
        layer: `model.${index}`,
        section,
        line: start.line,
        column: start.col,
        endLine: end.line,
        type: ok ? (arr[2] as string) : null,
        from: arr[0],
        repeats: arr[1],
        args: arr[3],
      });
    }
  }
  return { file, layers, warnings };
}

/** The YAML layer of a result name (`model.22`, `model.22.cv2.0.0.conv`), or undefined. */
export function yamlLayerOf(yaml: ModelYaml, name: string): YamlLayer | undefined {
  const n = layerIndexOf(name);
  return n === null ? undefined : yaml.layers[n];
}
