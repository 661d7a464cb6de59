/**
 * `qdq lint MODEL [--format text|json|sarif] [--trt 8|10] [--precision int8|fp8] [--rules R16,R22]
 * [--strongly-typed] [--refit]`: the analysis's findings and predicted engine, as text, the stable
 * JSON (core/analysis/output/json.ts) or SARIF 2.1.0.
 *
 * Besides the rules R1–R31 it reports what TensorRT's parser refuses before any rule matters: the
 * graph problems `qdq info` lists (a cycle, a dangling input, duplicate names; graphIndex.ts), as
 * findings of the graph check `G1` (QDQ-GRAPH-INVALID), severity error. External data that cannot
 * be read (a missing or short data file, a refused location, malformed offsets) makes the findings
 * that need those values go missing, so it is an input error: every problem on stderr, exit 2,
 * still printing what could be checked (JSON `externalDataProblems`; SARIF
 * `executionSuccessful: false` with one toolExecutionNotification per problem).
 *
 * Exit codes: 0 no finding of severity error; 1 one; 2 unreadable input (the external data
 * included) or bad usage.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { analyzeModel, formatText, GRAPH_CHECK, GRAPH_CHECK_TEXT, graphFindings, isGraphCheck, toLintJson, toSarif, UnknownRuleError, type AnalysisReport, type Finding } from '../core/analysis/index';
import { buildGraphIndex } from '../core/graph/index';
import { openModelFile } from '../core/onnx/index';
import { externalDataProblems, type DataProblem } from './dataProblems';
import type { CliIo } from './qdq';
import { analysisTarget } from './target';
import { InputError, parseCommandArgs, UsageError, VERSION } from './usage';

/** The report with `extra` findings first (they are errors: the report's order is errors first). */
function withFindings(r: AnalysisReport, extra: Finding[]): AnalysisReport {
  if (!extra.length) return r;
  return { ...r, findings: [...extra, ...r.findings], summary: { ...r.summary, errors: r.summary.errors + extra.length } };
}

interface SarifLog {
  runs: {
    tool: { driver: { rules: { id: string }[] } };
    invocations: Record<string, unknown>[];
    results: { ruleId: string; ruleIndex: number; locations: { physicalLocation: Record<string, unknown> }[] }[];
  }[];
}

/**
 * SARIF as toSarif writes it, completed: each result's location has a `region` (`startLine` 1:
 * GitHub code scanning needs a line, and a model file has none of its own); the graph check's
 * results point at a descriptor of it after the rules; data problems make the run unsuccessful,
 * each said in a toolExecutionNotification.
 */
function completeSarif(log: SarifLog, dataProblems: readonly DataProblem[], docBase: string | undefined): SarifLog {
  const run = log.runs[0]!;
  if (run.results.some((x) => x.ruleId === GRAPH_CHECK.id)) {
    const index = run.tool.driver.rules.length;
    run.tool.driver.rules.push({
      id: GRAPH_CHECK.id,
      name: 'QdqGraphInvalid',
      shortDescription: { text: GRAPH_CHECK_TEXT.title },
      fullDescription: { text: GRAPH_CHECK_TEXT.full },
      help: { text: `${GRAPH_CHECK_TEXT.help} (${GRAPH_CHECK.name})`, markdown: `**${GRAPH_CHECK.id} ${GRAPH_CHECK.name}** — ${GRAPH_CHECK_TEXT.help}` },
      defaultConfiguration: { level: 'error' },
      ...(docBase !== undefined ? { helpUri: `${docBase}${GRAPH_CHECK.id}.md` } : {}),
      properties: { longId: GRAPH_CHECK.name, versions: 'all', tags: ['tensorrt', 'onnx'] },
    } as { id: string });
    for (const x of run.results) if (x.ruleId === GRAPH_CHECK.id) x.ruleIndex = index;
  }
  for (const x of run.results) for (const l of x.locations) l.physicalLocation.region = { startLine: 1 };
  if (dataProblems.length) {
    const inv = run.invocations[0]!;
    inv.executionSuccessful = false;
    inv.exitCode = 2;
    inv.toolExecutionNotifications = dataProblems.map((p) => ({ level: 'error', message: { text: p.message }, descriptor: { id: 'external-data' } }));
  }
  return log;
}

/**
 * Where SARIF help links point: `$QDQ_RULES_DOC_BASE` when set, else the rule pages shipped with
 * qdq (docs/rules/ beside dist/), else none. No public address is invented.
 */
function rulesDocBase(): string | undefined {
  const env = process.env.QDQ_RULES_DOC_BASE;
  if (env) return env;
  const local = path.resolve(__dirname, '..', 'docs', 'rules');
  return fs.existsSync(path.join(local, 'R1.md')) ? `${pathToFileURL(local).href}/` : undefined;
}

export function cmdLint(args: string[], io: CliIo): number {
  const { values, positionals } = parseCommandArgs(args, {
    format: { type: 'string', default: 'text' },
    trt: { type: 'string', default: '10' },
    precision: { type: 'string', default: 'int8' },
    rules: { type: 'string' },
    'strongly-typed': { type: 'boolean', default: false },
    refit: { type: 'boolean', default: false },
  });
  if (positionals.length !== 1) throw new UsageError(positionals.length ? 'takes exactly one MODEL' : 'needs a MODEL');
  const format = values.format!;
  if (!['text', 'json', 'sarif'].includes(format)) throw new UsageError(`--format must be text, json or sarif (got '${format}')`);
  const target = analysisTarget(values, (m) => new UsageError(m));
  const keys = values.rules === undefined ? undefined : values.rules.split(',').map((r) => r.trim()).filter(Boolean);
  if (keys && keys.length === 0) throw new UsageError('--rules needs at least one rule id (e.g. R16,R22)');
  // The graph check runs unless --rules leaves it out.
  const checkGraph = keys === undefined || keys.some(isGraphCheck);
  const rules = keys?.filter((k) => !isGraphCheck(k));
  const file = positionals[0]!;
  const decoded = openModelFile(file);
  try {
    const graph = decoded.model.graph;
    if (!graph) throw new InputError(`${file}: the model has no graph`);
    const dataProblems = externalDataProblems(decoded.model, file);
    const index = buildGraphIndex(graph);
    let analysed: AnalysisReport;
    try {
      analysed = analyzeModel(decoded, index, { ...target, rules });
    } catch (e) {
      if (e instanceof UnknownRuleError) throw new UsageError(e.message);
      throw e;
    }
    const report = withFindings(analysed, checkGraph ? graphFindings(graph, index) : []);
    if (format === 'json') {
      const json = toLintJson(file, report);
      io.out(JSON.stringify(dataProblems.length ? { ...json, externalDataProblems: dataProblems } : json, null, 2));
    } else if (format === 'sarif') {
      const docBase = rulesDocBase();
      io.out(JSON.stringify(completeSarif(toSarif(file, report, { version: VERSION, rulesBase: docBase }) as SarifLog, dataProblems, docBase), null, 2));
    } else io.out(formatText(file, report));
    if (dataProblems.length) {
      for (const p of dataProblems) io.err(`qdq: ${p.message}`);
      return 2;
    }
    return report.summary.errors > 0 ? 1 : 0;
  } finally {
    decoded.source.close?.();
  }
}
