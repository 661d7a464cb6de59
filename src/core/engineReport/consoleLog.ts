/**
 * Line-fed parser for the trtexec console log. A task terminal pushes lines (or raw chunks) as they
 * arrive; `result()` gives what has been read so far. A saved log goes through `parseTrtexecLog`.
 *
 * Reads: the `&&&& RUNNING/PASSED/FAILED` frame (status, command line, version tag), the
 * `=== … Options ===` / `=== Device Information ===` sections as key/value maps, the TensorRT
 * version, the device, build settings (precision, `--stronglyTyped`, …), the
 * `=== Performance summary ===` figures, the `--dumpProfile` table, and every `[W]`/`[E]`/`[F]`
 * line as a diagnostic with its line number. Formats: docs/tensorrt-qdq-rules.md §5.5.
 *
 * Never throws on input and stays linear: lines longer than MAX_LINE_CHARS are cut (and listed),
 * the pending partial line of `write()` is bounded, and every list and map is capped.
 */
import { ProblemList } from './errors';
import { tidy } from './json';
import type { BuildSummary, DeviceInfo, LogDiagnostic, PerfSource, PerfSummary, TimingStats } from './perf';
import type { LayerProfile, ProfileRecord } from './profile';

/** Longer lines are cut to this many characters. */
export const MAX_LINE_CHARS = 65536;
/** Diagnostics kept per log; the rest are counted in `diagnosticsDropped`. */
export const MAX_DIAGNOSTICS = 10000;
const MAX_SECTIONS = 100;
const MAX_KEYS_PER_SECTION = 1000;
const MAX_PROFILE_ROWS = 100000;

export interface TrtexecLog extends PerfSource {
  kind: 'trtexec-log';
  /** Lines read. */
  lineCount: number;
  /** Lines that had the trtexec `[date] [X]` prefix or were `&&&&` frame lines. */
  recognizedLines: number;
  /** A `&&&& PASSED` or `&&&& FAILED` line was seen (false for a log cut short or still running). */
  finished: boolean;
  status?: 'passed' | 'failed' | 'waived';
  /** The command line after `# ` in the `&&&& RUNNING` line. */
  command?: string;
  /** `--flag[=value]` options of that command line. */
  commandFlags: Record<string, string | true>;
  /** Key/value lines of each `=== Section ===`, keyed by section name. */
  sections: Record<string, Record<string, string>>;
  build: BuildSummary;
  diagnosticsDropped: number;
}

const PREFIX = /^\[([^\]]{1,64})\] \[([IWEFV])\](?: (.*))?$/s;
const FRAME = /^&&&& (RUNNING|PASSED|FAILED|WAIVED)\b(.*)$/s;
const SECTION = /^=== (.{1,200}?) ===$/;
const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const STAT_PART = /^(min|max|mean|median|percentile\((\d{1,3}(?:\.\d{1,6})?)%\))\s*=\s*(\S+)\s*ms$/;
// eslint-disable-next-line no-control-regex -- terminal colour codes start with ESC
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;

const STAT_METRICS: Readonly<Record<string, 'latencyMs' | 'enqueueMs' | 'h2dMs' | 'gpuComputeMs' | 'd2hMs'>> = {
  Latency: 'latencyMs',
  'Host Latency': 'latencyMs',
  'Enqueue Time': 'enqueueMs',
  'H2D Latency': 'h2dMs',
  'GPU Compute Time': 'gpuComputeMs',
  'D2H Latency': 'd2hMs',
};

/** `v101601` → `10.16.1`, `v8601` → `8.6.1` (NV_TENSORRT_VERSION: 8.x major*1000+minor*100+patch, 10.x major*10000+…). */
export function decodeVersionTag(tag: string): string | undefined {
  const m = /^v?(\d{4,7})$/.exec(tag);
  if (!m) return undefined;
  const n = Number(m[1]);
  const major = n >= 100000 ? Math.floor(n / 10000) : Math.floor(n / 1000);
  const rest = n >= 100000 ? n % 10000 : n % 1000;
  return `${major}.${Math.floor(rest / 100)}.${rest % 100}`;
}

function num(s: string): number | undefined {
  if (!NUMBER.test(s)) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/** Parse `min = 1 ms, max = 2 ms, …`; undefined when no part parses. */
function parseStats(body: string): TimingStats | undefined {
  const stats: TimingStats = { percentiles: {} };
  let any = false;
  for (const rawPart of body.split(',')) {
    const m = STAT_PART.exec(rawPart.trim());
    if (!m) continue;
    const v = num(m[3]!);
    if (v === undefined) continue;
    any = true;
    const label = m[2];
    if (label === undefined) {
      stats[m[1] as 'min' | 'max' | 'mean' | 'median'] = v;
    } else {
      stats.percentiles[label] = v;
      if (label === '90') stats.p90 = v;
      else if (label === '95') stats.p95 = v;
      else if (label === '99') stats.p99 = v;
    }
  }
  return any ? stats : undefined;
}

/** Split `k` whitespace-separated tokens off the end (or the start) of `s`, linearly. */
function splitNumbers(s: string, k: number, fromEnd: boolean): { rest: string; nums: number[] } | undefined {
  let rest = s.trim();
  const nums: number[] = [];
  for (let i = 0; i < k; i++) {
    const cut = fromEnd ? rest.search(/\s\S*$/) : rest.search(/\s/);
    if (cut === -1) return undefined;
    const token = fromEnd ? rest.slice(cut + 1) : rest.slice(0, cut);
    const n = num(token);
    if (n === undefined) return undefined;
    nums.push(n);
    rest = (fromEnd ? rest.slice(0, cut) : rest.slice(cut + 1)).trim();
  }
  if (fromEnd) nums.reverse();
  return rest ? { rest, nums } : undefined;
}

interface ProfileTable {
  iterations: number;
  /** Columns per row besides the name: 4 with a median column, 3 without. */
  columns: number;
  /** 10.x prints the numbers first and the layer name last; 8.x the name first. */
  nameFirst: boolean;
  headerSeen: boolean;
  records: ProfileRecord[];
  total?: { timeMs: number; averageMs: number };
}

export class TrtexecLogParser {
  private readonly file: string;
  private lineNo = 0;
  private recognized = 0;
  private partial = '';
  private partialOverflow = false;
  private readonly problems = new ProblemList();
  private readonly diagnostics: LogDiagnostic[] = [];
  private diagnosticsDropped = 0;
  private sawError = false;
  private readonly sections = new Map<string, Map<string, string>>();
  private section: string | undefined;
  private inPerf = false;
  private readonly perf: PerfSummary = {};
  private perfSeen = false;
  private table: ProfileTable | undefined;
  private tableDone: ProfileTable | undefined;
  private status: TrtexecLog['status'];
  private finished = false;
  private command: string | undefined;
  private flags = new Map<string, string | true>();
  private versionTag: string | undefined;
  private versionLine: string | undefined;
  private deviceName: string | undefined;
  private computeCapability: string | undefined;

  constructor(file = '<trtexec log>') {
    this.file = file;
  }

  /**
   * Feed raw output in chunks of any size (a pseudo-terminal's data events): complete lines are
   * parsed at once, the unfinished tail waits for the next chunk or `end()`.
   */
  write(chunk: string): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      this.appendPartial(chunk, start, nl === -1 ? chunk.length : nl);
      if (nl === -1) return;
      this.flushPartial();
      start = nl + 1;
    }
  }

  /** Parse what `write()` left pending (a last line without newline) and return the result. */
  end(): TrtexecLog {
    if (this.partial !== '' || this.partialOverflow) this.flushPartial();
    return this.result();
  }

  private appendPartial(chunk: string, from: number, to: number): void {
    const room = MAX_LINE_CHARS + 1 - this.partial.length;
    if (to - from > room) {
      this.partial += chunk.slice(from, from + Math.max(0, room));
      this.partialOverflow = true;
    } else {
      this.partial += chunk.slice(from, to);
    }
  }

  private flushPartial(): void {
    const line = this.partial;
    const overflow = this.partialOverflow;
    this.partial = '';
    this.partialOverflow = false;
    this.pushLine(line, overflow);
  }

  /**
   * Parse one line (without its newline; a trailing `\r` and ANSI colour codes are dropped).
   * Returns the diagnostic this line produced, if any, so a terminal can publish it at once.
   */
  pushLine(rawLine: string, knownLong = false): LogDiagnostic | undefined {
    this.lineNo++;
    let line = rawLine;
    if (line.length > MAX_LINE_CHARS || knownLong) {
      line = line.slice(0, MAX_LINE_CHARS);
      this.problems.add(`line ${this.lineNo}`, `longer than ${MAX_LINE_CHARS} characters; the rest was ignored`);
    }
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.includes('\x1b')) line = line.replace(ANSI, '');

    const frame = FRAME.exec(line);
    if (frame) {
      this.recognized++;
      return this.onFrame(frame[1]!, frame[2]!);
    }
    const m = PREFIX.exec(line);
    if (!m) return undefined;
    this.recognized++;
    const level = m[2]!;
    let message = m[3] ?? '';
    let tensorrt = false;
    if (message.startsWith('[TRT] ')) {
      tensorrt = true;
      message = message.slice(6);
    }
    if (level === 'W' || level === 'E' || level === 'F') {
      const severity = level === 'W' ? 'warning' : 'error';
      if (severity === 'error') this.sawError = true;
      return this.addDiagnostic({ severity, line: this.lineNo, message: message.trim(), tensorrt });
    }
    this.onInfo(message);
    return undefined;
  }

  private addDiagnostic(d: LogDiagnostic): LogDiagnostic | undefined {
    if (this.diagnostics.length >= MAX_DIAGNOSTICS) {
      this.diagnosticsDropped++;
      return undefined;
    }
    this.diagnostics.push(d);
    return d;
  }

  private onFrame(kind: string, rest: string): LogDiagnostic | undefined {
    const tag = /\[TensorRT (v\d{4,7})\]/.exec(rest);
    if (tag) this.versionTag = tag[1];
    const hash = rest.indexOf(' # ');
    if (kind === 'RUNNING') {
      if (hash !== -1) this.setCommand(rest.slice(hash + 3).trim());
      return undefined;
    }
    this.finished = true;
    this.status = kind === 'PASSED' ? 'passed' : kind === 'FAILED' ? 'failed' : 'waived';
    if (this.command === undefined && hash !== -1) this.setCommand(rest.slice(hash + 3).trim());
    if (kind === 'FAILED' && !this.sawError) {
      return this.addDiagnostic({ severity: 'error', line: this.lineNo, message: 'trtexec failed', tensorrt: false });
    }
    return undefined;
  }

  private setCommand(command: string): void {
    this.command = command;
    this.flags = new Map();
    for (const token of command.split(/\s+/)) {
      if (!token.startsWith('--') || token.length < 3) continue;
      if (this.flags.size >= MAX_KEYS_PER_SECTION) break;
      const eq = token.indexOf('=');
      if (eq === -1) this.flags.set(token.slice(2), true);
      else this.flags.set(token.slice(2, eq), token.slice(eq + 1));
    }
  }

  private onInfo(message: string): void {
    const text = message.trim();
    if (this.table) {
      if (this.onTableLine(this.table, text)) return;
      this.tableDone = this.table;
      this.table = undefined;
    }
    if (text === '') {
      this.section = undefined;
      return;
    }
    const header = SECTION.exec(text);
    if (header) {
      this.openSection(header[1]!);
      return;
    }
    if (this.inPerf || (this.perfSeen && this.section === undefined)) {
      if (this.onPerfLine(text)) return;
    }
    const colon = text.indexOf(':');
    if (colon <= 0 || colon > 120) return;
    const key = text.slice(0, colon).trim();
    const value = text.slice(colon + 1).trim();
    if (key === 'TensorRT version') this.versionLine = value;
    else if (key === 'Selected Device') this.deviceName = value;
    else if (key === 'Compute Capability' && this.section === 'Device Information') this.computeCapability = value;
    if (this.section !== undefined && !this.inPerf && this.section !== 'Explanations of the performance metrics') {
      const map = this.sections.get(this.section);
      if (map && (map.size < MAX_KEYS_PER_SECTION || map.has(key))) map.set(key, value);
    }
  }

  private openSection(name: string): void {
    this.section = name;
    this.inPerf = name === 'Performance summary';
    if (this.inPerf) this.perfSeen = true;
    const profile = /^Profile \((\d{1,12}) iterations ?\)$/.exec(name);
    if (profile) {
      this.table = { iterations: Number(profile[1]), columns: 4, nameFirst: false, headerSeen: false, records: [] };
      this.section = undefined;
      return;
    }
    if (this.inPerf || /^Explanations/.test(name) || name.startsWith('Trace details')) return;
    if (!this.sections.has(name) && this.sections.size < MAX_SECTIONS) this.sections.set(name, new Map());
  }

  /** One line of the performance summary; true when it was a metric. */
  private onPerfLine(text: string): boolean {
    const colon = text.indexOf(': ');
    if (colon === -1) return false;
    const key = text.slice(0, colon);
    const body = text.slice(colon + 2).trim();
    if (key === 'Throughput') {
      const m = /^(\S+) qps$/.exec(body);
      const v = m ? num(m[1]!) : undefined;
      if (v === undefined) return false;
      this.perf.throughputQps = v;
      return true;
    }
    if (key === 'Total Host Walltime' || key === 'Total GPU Compute Time') {
      const m = /^(\S+) s$/.exec(body);
      const v = m ? num(m[1]!) : undefined;
      if (v === undefined) return false;
      this.perf[key === 'Total Host Walltime' ? 'totalHostWalltimeS' : 'totalGpuComputeS'] = v;
      return true;
    }
    const metric = Object.prototype.hasOwnProperty.call(STAT_METRICS, key) ? STAT_METRICS[key] : undefined;
    if (!metric) return false;
    const stats = parseStats(body);
    if (!stats) return false;
    this.perf[metric] = stats;
    return true;
  }

  /** One line inside the `--dumpProfile` table; false when the table has ended. */
  private onTableLine(table: ProfileTable, text: string): boolean {
    if (text === '') return false;
    if (!table.headerSeen && /Time\s*\(ms\)/.test(text)) {
      table.headerSeen = true;
      table.nameFirst = text.startsWith('Layer');
      table.columns = /Median/.test(text) ? 4 : 3;
      return true;
    }
    const split = splitNumbers(text, table.columns, table.nameFirst);
    if (!split) return false;
    const [timeMs, averageMs, a, b] = split.nums as [number, number, number, number?];
    if (split.rest === 'Total') {
      table.total = { timeMs, averageMs };
      this.tableDone = table;
      this.table = undefined;
      return true;
    }
    if (table.records.length < MAX_PROFILE_ROWS) {
      const rec: ProfileRecord = { index: table.records.length, name: split.rest, timeMs, averageMs };
      if (table.columns === 4) {
        rec.medianMs = a;
        rec.percentage = b!;
      } else {
        rec.percentage = a;
      }
      table.records.push(rec);
    }
    return true;
  }

  private buildSummary(): BuildSummary {
    const build: BuildSummary = { precisions: [] };
    const options = this.sections.get('Build Options');
    const precision = options?.get('Precision');
    const add = (p: string) => {
      if (!build.precisions.includes(p)) build.precisions.push(p);
    };
    if (precision) {
      build.precision = precision;
      for (const part of precision.split('+')) {
        const w = /^\s*([A-Za-z]+\d*)/.exec(part);
        if (w) add(w[1]!.toUpperCase());
      }
      if (/strongly[\s-]*typed/i.test(precision)) build.stronglyTyped = true;
    }
    const flag = (name: string) => this.flags.get(name);
    const flagPrecisions: [string, string[]][] = [
      ['fp16', ['FP16']],
      ['int8', ['INT8']],
      ['bf16', ['BF16']],
      ['fp8', ['FP8']],
      ['int4', ['INT4']],
      ['best', ['FP16', 'INT8']],
    ];
    for (const [name, ps] of flagPrecisions) if (flag(name) !== undefined) ps.forEach(add);
    if (flag('stronglyTyped') !== undefined) build.stronglyTyped = true;
    for (const [k, v] of options ?? []) {
      if (/strongly\s*typed/i.test(k)) build.stronglyTyped = /^(enabled|true|1|yes)$/i.test(v);
    }
    const verbosity = flag('profilingVerbosity') ?? options?.get('Profiling verbosity');
    if (typeof verbosity === 'string' && verbosity) build.profilingVerbosity = verbosity;
    const model = flag('onnx') ?? this.sections.get('Model Options')?.get('Model');
    if (typeof model === 'string' && model) build.model = model;
    const load = flag('loadEngine');
    if (typeof load === 'string' && load) build.loadEngine = load;
    const save = flag('saveEngine');
    if (typeof save === 'string' && save) build.saveEngine = save;
    return build;
  }

  private tableProfile(): LayerProfile | undefined {
    const t = this.table ?? this.tableDone;
    if (!t) return undefined;
    let sumTime = 0;
    let sumAvg = 0;
    for (const r of t.records) {
      sumTime += r.timeMs ?? 0;
      sumAvg += r.averageMs ?? 0;
    }
    return {
      file: this.file,
      iterations: t.iterations,
      records: t.records.map((r) => ({ ...r })),
      // The printed Total row when there is one (it is what trtexec summed), else our sums.
      totalTimeMs: t.total ? t.total.timeMs : tidy(sumTime),
      totalAverageMs: t.total ? t.total.averageMs : tidy(sumAvg),
      problems: [],
    };
  }

  /** What has been read so far (a fresh object; the parser can keep going). */
  result(): TrtexecLog {
    const log: TrtexecLog = {
      file: this.file,
      kind: 'trtexec-log',
      lineCount: this.lineNo,
      recognizedLines: this.recognized,
      finished: this.finished,
      commandFlags: Object.fromEntries(this.flags),
      sections: Object.fromEntries([...this.sections].map(([k, v]) => [k, Object.fromEntries(v)])),
      build: this.buildSummary(),
      diagnostics: this.diagnostics.map((d) => ({ ...d })),
      diagnosticsDropped: this.diagnosticsDropped,
      problems: this.problems.done().slice(),
    };
    if (this.status) log.status = this.status;
    if (this.command !== undefined) log.command = this.command;
    const version = this.versionLine || (this.versionTag ? decodeVersionTag(this.versionTag) : undefined);
    if (version) log.trtVersion = version;
    if (this.deviceName) {
      const device: DeviceInfo = { name: this.deviceName };
      if (this.computeCapability) device.computeCapability = this.computeCapability;
      log.device = device;
    }
    if (Object.keys(this.perf).length) log.perf = clonePerf(this.perf);
    const profile = this.tableProfile();
    if (profile) log.profile = profile;
    return log;
  }
}

function clonePerf(p: PerfSummary): PerfSummary {
  const out: PerfSummary = { ...p };
  for (const k of ['latencyMs', 'enqueueMs', 'h2dMs', 'gpuComputeMs', 'd2hMs'] as const) {
    const s = p[k];
    if (s) out[k] = { ...s, percentiles: { ...s.percentiles } };
  }
  return out;
}

/** Parse a whole saved log. */
export function parseTrtexecLog(text: string, file = '<trtexec log>'): TrtexecLog {
  const parser = new TrtexecLogParser(file);
  parser.write(text);
  return parser.end();
}
