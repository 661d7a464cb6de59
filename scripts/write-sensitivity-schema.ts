/**
 * Writes docs/schemas/qdq-sensitivity-v1.schema.json from the schema object the code validates
 * with (src/core/sensitivity/schemaV1.ts). A unit test fails when the two differ.
 *
 *   npx tsx scripts/write-sensitivity-schema.ts
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SENSITIVITY_SCHEMA_V1 } from '../src/core/sensitivity/schemaV1';

export const SCHEMA_FILE = path.join(__dirname, '..', 'docs', 'schemas', 'qdq-sensitivity-v1.schema.json');

export function schemaFileText(): string {
  return `${JSON.stringify(SENSITIVITY_SCHEMA_V1, null, 2)}\n`;
}

if (require.main === module) {
  fs.mkdirSync(path.dirname(SCHEMA_FILE), { recursive: true });
  fs.writeFileSync(SCHEMA_FILE, schemaFileText());
  console.log(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
}
