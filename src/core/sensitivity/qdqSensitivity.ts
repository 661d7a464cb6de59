/**
 * Our own versioned sensitivity format (`*.qdq-sensitivity.json`, docs/sensitivity-format.md),
 * validated with ajv against the schema we publish (schemaV1.ts), then by the checks a JSON Schema
 * cannot express. Errors name the file, the line and column of the offending value and its JSON path.
 */
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import type { SensitivityFormatError } from './errors';
import { describeValue, errorAt, isNonFiniteString, nodeAt, parseJsonText, pointerToPath, toValue, type JsonPathStep, type ParsedJson } from './jsonText';
import { QDQ_SENSITIVITY_FORMAT, QDQ_SENSITIVITY_VERSION, SENSITIVITY_SCHEMA_V1 } from './schemaV1';
import type { Direction, LayerResult, MetricInfo, SensitivityResult, SourceInfo } from './sensitivityResult';

let validator: ValidateFunction | undefined;

/** Compiled on first use (ajv generates code; nothing of it runs at activation). */
function validateV1(value: unknown): ErrorObject[] {
  validator ??= new Ajv2020({ allErrors: false, strict: true }).compile(SENSITIVITY_SCHEMA_V1);
  return validator(value) ? [] : [...(validator.errors ?? [])];
}

/** Parse the text of a `.qdq-sensitivity.json` file. */
export function parseQdqSensitivity(text: string, file: string): SensitivityResult {
  return qdqSensitivityFromJson(parseJsonText(text, file), file);
}

const TYPE_WORDS: Record<string, string> = { number: 'a number', string: 'a string', object: 'an object', array: 'a list', integer: 'an integer', boolean: 'true or false' };

function ajvError(parsed: ParsedJson, file: string, e: ErrorObject): SensitivityFormatError {
  const at: JsonPathStep[] = pointerToPath(e.instancePath);
  const node = nodeAt(parsed.root, at);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': {
      const missing = String(p.missingProperty);
      const hint =
        missing === 'baseline'
          ? ' (the value for the reference configuration, e.g. the fully quantized model; delta = value - baseline)'
          : missing === 'direction'
            ? ' ("higher-is-more-sensitive" or "lower-is-more-sensitive")'
            : '';
      return errorAt(parsed, file, at, `missing "${missing}"${hint}`);
    }
    case 'additionalProperties':
      return errorAt(parsed, file, [...at, String(p.additionalProperty)], `unknown property "${String(p.additionalProperty)}" (extensions go under names starting with "x-")`, true);
    case 'type': {
      const want = TYPE_WORDS[String(p.type)] ?? String(p.type);
      if (p.type === 'number' && node.kind === 'string' && isNonFiniteString(node.value)) {
        return errorAt(parsed, file, at, `expected a finite number, got ${describeValue(node)}; leave the metric out for a layer that was not measured`);
      }
      return errorAt(parsed, file, at, `expected ${want}, got ${describeValue(node)}`);
    }
    case 'const':
      return errorAt(parsed, file, at, `expected ${JSON.stringify(p.allowedValue)}, got ${describeValue(node)}`);
    case 'enum':
      return errorAt(parsed, file, at, `expected one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(node)}`);
    case 'minItems':
    case 'minProperties':
      return errorAt(parsed, file, at, `must not be empty`);
    case 'minLength':
      return errorAt(parsed, file, at, `must not be an empty string`);
    case 'propertyNames':
      return errorAt(parsed, file, at, `has an empty property name`);
    default:
      return errorAt(parsed, file, at, e.message ?? `fails the schema (${e.keyword})`);
  }
}

export function qdqSensitivityFromJson(parsed: ParsedJson, file: string): SensitivityResult {
  const root = parsed.root;
  if (root.kind !== 'object') throw errorAt(parsed, file, [], `expected an object (a ${QDQ_SENSITIVITY_FORMAT} file), got ${describeValue(root)}`);
  // The version decides which schema applies, so it is checked first and on its own.
  const version = root.members.find((m) => m.key === 'version')?.value;
  if (version?.kind === 'number' && version.value !== QDQ_SENSITIVITY_VERSION) {
    throw errorAt(parsed, file, ['version'], `unsupported version ${String(version.value)}: this QDQ Studio reads version ${QDQ_SENSITIVITY_VERSION} of the ${QDQ_SENSITIVITY_FORMAT} format`);
  }
  const value = toValue(parsed.root);
  const errors = validateV1(value);
  if (errors.length) throw ajvError(parsed, file, errors[0]!);

  const v = value as {
    source: SourceInfo & Record<string, unknown>;
    metrics: Record<string, { direction: Direction; baseline?: number; description?: string; unit?: string }>;
    layers: { name: string; kind?: 'module' | 'node'; values: Record<string, number> }[];
  };
  const metrics: MetricInfo[] = Object.entries(v.metrics).map(([name, m]) => ({
    name,
    direction: m.direction,
    baseline: m.baseline ?? null,
    ...(m.description !== undefined ? { description: m.description } : {}),
    ...(m.unit !== undefined ? { unit: m.unit } : {}),
  }));
  const declared = new Set(metrics.map((m) => m.name));
  const firstAt = new Map<string, number>();
  const layers: LayerResult[] = v.layers.map((l, i) => {
    const prev = firstAt.get(l.name);
    if (prev !== undefined) throw errorAt(parsed, file, ['layers', i, 'name'], `duplicate name "${l.name}" (first at $.layers[${prev}])`);
    firstAt.set(l.name, i);
    for (const k of Object.keys(l.values)) {
      if (!declared.has(k)) {
        throw errorAt(parsed, file, ['layers', i, 'values', k], `metric "${k}" is not declared in $.metrics (declared: ${[...declared].join(', ')})`, true);
      }
    }
    return { name: l.name, kind: l.kind ?? 'auto', values: { ...l.values } };
  });
  const s = v.source;
  const source: SourceInfo = {
    tool: s.tool,
    ...(s.version !== undefined ? { version: s.version } : {}),
    ...(s.command !== undefined ? { command: s.command } : {}),
    ...(s.model !== undefined ? { model: s.model } : {}),
    ...(s.createdAt !== undefined ? { createdAt: s.createdAt } : {}),
  };
  return { file, format: 'qdq-sensitivity', source, metrics, layers, warnings: [] };
}
