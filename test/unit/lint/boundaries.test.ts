/** The layer boundaries of docs/ARCHITECTURE.md are enforced by ESLint: probe them with virtual files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { ESLint } from 'eslint';

const root = path.resolve(__dirname, '..', '..', '..');
const eslint = new ESLint({ cwd: root });

async function restricted(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

test('src/core may not import vscode, child_process, or VS Code layers', async () => {
  const msgs = await restricted('src/core/graph/probe.ts', "import * as vscode from 'vscode';\nimport { spawn } from 'node:child_process';\nimport { x } from '../../editor/onnxDocument';\nexport const a = [vscode, spawn, x];\n");
  assert.equal(msgs.length, 3, msgs.join('\n'));
});

test('other core layers import the ONNX layer only through its index', async () => {
  assert.equal((await restricted('src/core/graph/probe.ts', "import { decodeModel } from '../onnx/decode';\nexport const a = decodeModel;\n")).length, 1);
  assert.equal((await restricted('src/core/graph/probe.ts', "import { decodeModel } from '../onnx/index';\nexport const a = decodeModel;\n")).length, 0);
});

test('src/protocol is plain data: no vscode, no Node modules', async () => {
  const msgs = await restricted('src/protocol/probe.ts', "import * as vscode from 'vscode';\nimport * as fs from 'node:fs';\nexport const a = [vscode, fs];\n");
  assert.equal(msgs.length, 2, msgs.join('\n'));
});

test('webview imports only src/protocol from src', async () => {
  assert.equal((await restricted('webview/probe.ts', "import { summarizeModel } from '../src/core/graph/index';\nexport const a = summarizeModel;\n")).length, 1);
  assert.equal((await restricted('webview/panels/probe.ts', "import { OnnxEditorProvider } from '../../src/editor/onnxEditorProvider';\nexport const a = OnnxEditorProvider;\n")).length, 1);
  assert.equal((await restricted('webview/probe.ts', "import type { ToWebview } from '../src/protocol/messages';\nexport type A = ToWebview;\n")).length, 0);
  assert.equal((await restricted('webview/probe.ts', "import * as vscode from 'vscode';\nexport const a = vscode;\n")).length, 1);
});

test('the host layer may import vscode and the core', async () => {
  assert.equal((await restricted('src/editor/probe.ts', "import * as vscode from 'vscode';\nimport { openModelFile } from '../core/onnx/index';\nexport const a = [vscode, openModelFile];\n")).length, 0);
});

test('src/core/layout imports nothing from other layers; graphView and layout are reached through their index', async () => {
  assert.equal((await restricted('src/core/layout/probe.ts', "import { decodeModel } from '../onnx/index';\nexport const a = decodeModel;\n")).length, 1);
  assert.equal((await restricted('src/core/layout/probe.ts', "import { buildViewGraph } from '../graphView/index';\nexport const a = buildViewGraph;\n")).length, 1);
  assert.equal((await restricted('src/core/layout/probe.ts', "import * as vscode from 'vscode';\nexport const a = vscode;\n")).length, 1);
  assert.equal((await restricted('src/core/layout/probe.ts', "import { buildDag } from './layering';\nexport const a = buildDag;\n")).length, 0);
  assert.equal((await restricted('src/core/graphView/probe.ts', "import { layeredLayout } from '../layout/layeredLayout';\nexport const a = layeredLayout;\n")).length, 1);
  assert.equal((await restricted('src/core/graphView/probe.ts', "import { layeredLayout } from '../layout/index';\nimport { buildGraphIndex } from '../graph/index';\nexport const a = [layeredLayout, buildGraphIndex];\n")).length, 0);
  assert.equal((await restricted('src/core/analysis/probe.ts', "import { buildViewGraph } from '../graphView/buildViewGraph';\nexport const a = buildViewGraph;\n")).length, 1);
});
