/**
 * The published JSON Schema (docs/schemas/qdq-sensitivity-v1.schema.json) is exactly the object
 * the reader validates with, and other tools validating against the file agree with our reader.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { SCHEMA_FILE, schemaFileText } from '../../../scripts/write-sensitivity-schema';
import { parseQdqSensitivity, QDQ_SENSITIVITY_SUFFIX } from '../../../src/core/sensitivity/index';
import { repoRoot } from '../../support/fixtures';

test('docs/schemas/qdq-sensitivity-v1.schema.json is up to date (npx tsx scripts/write-sensitivity-schema.ts)', () => {
  assert.equal(fs.readFileSync(SCHEMA_FILE, 'utf8'), schemaFileText());
});

test('the published file, compiled on its own, accepts the example and rejects what the reader rejects', () => {
  const validate = new Ajv2020({ strict: true }).compile(JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')));
  const example = path.join(repoRoot, 'test', 'fixtures', 'sensitivity', `example${QDQ_SENSITIVITY_SUFFIX}`);
  const text = fs.readFileSync(example, 'utf8');
  assert.ok(validate(JSON.parse(text)), JSON.stringify(validate.errors));
  assert.doesNotThrow(() => parseQdqSensitivity(text, example));
  const bad = JSON.parse(text);
  delete bad.metrics.ap.direction;
  assert.equal(validate(bad), false);
  assert.throws(() => parseQdqSensitivity(JSON.stringify(bad), 'bad.json'), /missing "direction"/);
  // A metric without a baseline is valid for both, and read as baseline unknown (views show values).
  const noBaseline = JSON.parse(text);
  delete noBaseline.metrics.ap.baseline;
  assert.ok(validate(noBaseline), JSON.stringify(validate.errors));
  assert.equal(parseQdqSensitivity(JSON.stringify(noBaseline), 'nb.json').metrics.find((m) => m.name === 'ap')!.baseline, null);
});

test('the format page documents every property the schema has', () => {
  const doc = fs.readFileSync(path.join(repoRoot, 'docs', 'sensitivity-format.md'), 'utf8');
  const schema = JSON.parse(schemaFileText());
  const names = [
    ...Object.keys(schema.properties),
    ...Object.keys(schema.properties.source.properties),
    ...Object.keys(schema.$defs.metric.properties),
    ...Object.keys(schema.$defs.layer.properties),
  ];
  for (const n of names) assert.ok(doc.includes(`\`${n}\``), `docs/sensitivity-format.md does not mention \`${n}\``);
  assert.ok(doc.includes('docs/schemas/qdq-sensitivity-v1.schema.json') || doc.includes('schemas/qdq-sensitivity-v1.schema.json'));
});
