/** The editing layer's import rules (eslint.config.mjs) fire. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { ESLint } from 'eslint';
import { repoRoot } from '../../support/fixtures';

const eslint = new ESLint({ cwd: repoRoot });

async function restricted(code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, 'src', 'core', 'editing', 'probe.ts') });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

test('src/core/editing reaches onnx, graph and analysis only through their index, and nothing built on it', async () => {
  assert.deepEqual(await restricted("import { decodeModel } from '../onnx/index';\nimport type { Fix } from '../analysis/index';\nexport const a = decodeModel;\nexport type F = Fix;\n"), []);
  assert.equal((await restricted("import { decodeModel } from '../onnx/decode';\nexport const a = decodeModel;\n")).length, 1);
  assert.equal((await restricted("import type { Fix } from '../analysis/fix';\nexport type F = Fix;\n")).length, 1);
  assert.equal((await restricted("import { ModuleIndex } from '../sensitivity/index';\nexport const a = ModuleIndex;\n")).length, 1);
  assert.equal((await restricted("import * as vscode from 'vscode';\nexport const a = vscode;\n")).length, 1);
  assert.equal((await restricted("import { x } from '../../editor/onnxDocument';\nexport const a = x;\n")).length, 1);
});
