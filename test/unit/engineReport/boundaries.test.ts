/**
 * src/core/engineReport is core: the ESLint rules of docs/ARCHITECTURE.md apply to it (no `vscode`,
 * no child_process, the ONNX layer only through its index). Beyond that it takes text and returns
 * data: it imports no Node module at all, so the webview could use it as well.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ESLint } from 'eslint';

const root = path.resolve(__dirname, '..', '..', '..');
const layer = path.join(root, 'src', 'core', 'engineReport');

test('the core import rules cover src/core/engineReport', async () => {
  const eslint = new ESLint({ cwd: root });
  const code = "import * as vscode from 'vscode';\nimport { spawn } from 'node:child_process';\nimport { decodeModel } from '../onnx/decode';\nimport { x } from '../../editor/onnxDocument';\nexport const a = [vscode, spawn, decodeModel, x];\n";
  const [result] = await eslint.lintText(code, { filePath: path.join(layer, 'probe.ts') });
  assert.equal(result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').length, 4);
});

test('src/core/engineReport imports only its own modules', () => {
  for (const file of fs.readdirSync(layer).filter((f) => f.endsWith('.ts'))) {
    const text = fs.readFileSync(path.join(layer, file), 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\b[^;]*?from '([^']+)'/gms)) {
      assert.match(m[1]!, /^\.\/[A-Za-z]+$/, `${file} imports ${m[1]}`);
    }
  }
});
