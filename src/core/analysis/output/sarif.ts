/**
 * SARIF 2.1.0 for GitHub code scanning: one run, the rules as reporting descriptors (helpUri →
 * docs/rules/<Rn>.md), one result per finding located at the model file with the ONNX node names
 * as logical locations.
 */
import { RULES } from '../rules/index';
import type { AnalysisReport, Severity } from '../types';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

export interface SarifOptions {
  /** Tool version for the driver. */
  version: string;
  /**
   * Base URI of the rule pages (`docs/rules/` holding `R1.md` … `R31.md`), ending in `/`. The
   * project has no public web address of its own, so there is no default: without a base the
   * descriptors carry their help text but no `helpUri` (SARIF makes it optional).
   */
  rulesBase?: string;
}

/** A SARIF artifact URI for a local path: relative paths stay relative (forward slashes), absolute become file:// URIs. */
export function artifactUri(file: string): string {
  const p = file.replace(/\\/g, '/');
  const enc = p.split('/').map(encodeURIComponent).join('/');
  if (/^[A-Za-z]:\//.test(p)) return `file:///${p.slice(0, 2)}${p.slice(2).split('/').map(encodeURIComponent).join('/')}`;
  return p.startsWith('/') ? `file://${enc}` : enc;
}

export function toSarif(model: string, r: AnalysisReport, o: SarifOptions): object {
  const base = o.rulesBase === undefined || o.rulesBase === '' ? undefined : o.rulesBase.endsWith('/') ? o.rulesBase : `${o.rulesBase}/`;
  const ruleIndex = new Map(RULES.map((x, i) => [x.meta.id, i]));
  const uri = artifactUri(model);
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'QDQ Studio',
            semanticVersion: o.version,
            ...(base === undefined ? {} : { informationUri: base }),
            rules: RULES.map((x) => ({
              id: x.meta.id,
              name: x.meta.name.split('-').map((w) => w.charAt(0) + w.slice(1).toLowerCase()).join(''),
              shortDescription: { text: x.meta.title },
              fullDescription: { text: `${x.meta.matches} ${x.meta.tensorrt}` },
              help: { text: `${x.meta.fix} (${x.meta.name})`, markdown: `**${x.meta.id} ${x.meta.name}** — ${x.meta.fix}` },
              ...(base === undefined ? {} : { helpUri: `${base}${x.meta.id}.md` }),
              defaultConfiguration: { level: LEVEL[x.meta.severity] },
              properties: { longId: x.meta.name, versions: x.meta.versions, tags: ['tensorrt', 'quantization'] },
            })),
          },
        },
        invocations: [{ executionSuccessful: true, properties: { target: { trt: `${r.target.trt}.x`, precision: r.target.precision, stronglyTyped: r.target.stronglyTyped, refit: r.target.refit } } }],
        artifacts: [{ location: { uri } }],
        results: r.findings.map((f) => ({
          ruleId: f.ruleId,
          ruleIndex: ruleIndex.get(f.ruleId) ?? -1,
          level: LEVEL[f.severity],
          message: { text: f.message },
          locations: [
            {
              physicalLocation: { artifactLocation: { uri, index: 0 } },
              ...(f.nodes.length ? { logicalLocations: f.nodes.map((n) => ({ name: n, fullyQualifiedName: n, kind: 'object' })) } : {}),
            },
          ],
          partialFingerprints: { qdqFinding: `${f.ruleId}:${f.nodes.slice(0, 3).join('|')}` },
          properties: { rule: f.rule, data: f.data, ...(f.fix ? { fix: f.fix } : {}) },
        })),
      },
    ],
  };
}
