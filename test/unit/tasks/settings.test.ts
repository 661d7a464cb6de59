/** Tool resolution order (setting, Python extension, PATH, well-known places, workspace) and the trust gate. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findOnPath, resolveCheckout, resolvePython, resolveTrtexec, taskTrustProblem, type LookupEnv } from '../../../src/core/tasks/index';

function fakeEnv(files: string[], pathEnv = '/usr/local/bin:/usr/bin', style: 'posix' | 'win32' = 'posix'): LookupEnv & { asked: string[] } {
  const set = new Set(files);
  const asked: string[] = [];
  return {
    pathEnv,
    pathStyle: style,
    asked,
    exists: async (p) => {
      asked.push(p);
      return set.has(p);
    },
  };
}

test('python: the setting wins, then the Python extension, then python3/python on PATH', async () => {
  const env = fakeEnv(['/opt/venv/bin/python', '/home/u/.venv/bin/python', '/usr/bin/python3', '/usr/bin/python']);
  assert.deepEqual(await resolvePython('/opt/venv/bin/python', '/home/u/.venv/bin/python', env), { ok: true, kind: 'python', path: '/opt/venv/bin/python', source: 'setting' });
  assert.deepEqual(await resolvePython('  ', '/home/u/.venv/bin/python', env), { ok: true, kind: 'python', path: '/home/u/.venv/bin/python', source: 'python-extension' });
  assert.deepEqual(await resolvePython(undefined, undefined, env), { ok: true, kind: 'python', path: '/usr/bin/python3', source: 'PATH' });
  assert.deepEqual(await resolvePython(undefined, '/gone/python', env), { ok: true, kind: 'python', path: '/usr/bin/python3', source: 'PATH' });
  assert.deepEqual(await resolvePython('python3', undefined, env), { ok: true, kind: 'python', path: '/usr/bin/python3', source: 'setting' });
});

test('python: a setting that points nowhere is a problem naming the setting (no silent fallback)', async () => {
  const r = await resolvePython('/nope/python', undefined, fakeEnv(['/usr/bin/python3']));
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.setting === 'qdqStudio.python.path' && /\/nope\/python/.test(r.message));
  const none = await resolvePython(undefined, undefined, fakeEnv([], ''));
  assert.ok(!none.ok && /No Python interpreter/.test(none.message));
});

test('trtexec: setting, PATH, then the TensorRT container / JetPack location', async () => {
  assert.deepEqual(await resolveTrtexec('/x/trtexec', fakeEnv(['/x/trtexec'])), { ok: true, kind: 'trtexec', path: '/x/trtexec', source: 'setting' });
  assert.deepEqual(await resolveTrtexec(undefined, fakeEnv(['/usr/bin/trtexec', '/usr/src/tensorrt/bin/trtexec'])), { ok: true, kind: 'trtexec', path: '/usr/bin/trtexec', source: 'PATH' });
  assert.deepEqual(await resolveTrtexec('', fakeEnv(['/usr/src/tensorrt/bin/trtexec'])), { ok: true, kind: 'trtexec', path: '/usr/src/tensorrt/bin/trtexec', source: 'well-known location' });
  const miss = await resolveTrtexec(undefined, fakeEnv([]));
  assert.ok(!miss.ok && miss.setting === 'qdqStudio.trtexec.path' && /install TensorRT/.test(miss.message));
  const bad = await resolveTrtexec('/x/trtexec', fakeEnv(['/usr/bin/trtexec']));
  assert.ok(!bad.ok && /does not exist/.test(bad.message));
});

test('PATH lookup: order, empty entries, Windows PATHEXT', async () => {
  assert.equal(await findOnPath('trtexec', fakeEnv(['/b/trtexec', '/a/trtexec'], '::/a:/b')), '/a/trtexec');
  assert.equal(await findOnPath('trtexec', fakeEnv([], undefined as unknown as string)), undefined);
  const win = fakeEnv(['C:\\TensorRT\\bin\\trtexec.EXE'], 'C:\\Windows;C:\\TensorRT\\bin', 'win32');
  assert.equal(await findOnPath('trtexec', win), 'C:\\TensorRT\\bin\\trtexec.EXE');
});

test('checkout: the setting (must hold qat.py), else a workspace qat.py with export_qat.py beside it, else the shallowest', async () => {
  const env = fakeEnv(['/ws/yolov9/qat.py', '/ws/yolov9/export_qat.py', '/ws/a/b/qat.py', '/mine/qat.py']);
  assert.deepEqual(await resolveCheckout('/mine', [], env), { ok: true, kind: 'checkout', path: '/mine', source: 'setting' });
  const bad = await resolveCheckout('/ws', [], env);
  assert.ok(!bad.ok && /has no qat.py/.test(bad.message) && bad.setting === 'qdqStudio.yolov9Qat.path');
  assert.deepEqual(await resolveCheckout(undefined, ['/ws/a/b/qat.py', '/ws/yolov9/qat.py'], env), { ok: true, kind: 'checkout', path: '/ws/yolov9', source: 'workspace' });
  assert.deepEqual(await resolveCheckout(undefined, ['/ws/a/b/qat.py', '/ws/c/qat.py'], fakeEnv([])), { ok: true, kind: 'checkout', path: '/ws/c', source: 'workspace' });
  const none = await resolveCheckout(undefined, [], env);
  assert.ok(!none.ok && /No yolov9-qat checkout/.test(none.message));
});

test('trust gate: tasks only in a trusted workspace', () => {
  assert.equal(taskTrustProblem(true), undefined);
  assert.match(taskTrustProblem(false)!, /trusted workspace/);
});

test('lint boundaries: src/core/tasks runs nothing, knows no VS Code, and reads only the engine-report index', async () => {
  const path = await import('node:path');
  const { ESLint } = await import('eslint');
  const root = path.resolve(__dirname, '..', '..', '..');
  const eslint = new ESLint({ cwd: root });
  const code = [
    "import * as vscode from 'vscode';",
    "import { spawn } from 'node:child_process';",
    "import { parseLayerInfo } from '../engineReport/layerInfo';",
    "import { analyzeModel } from '../analysis/index';",
    "import { startProcess } from '../../tasks/processRunner';",
    "import { decodeVersionTag } from '../engineReport/index';",
    'export const a = [vscode, spawn, parseLayerInfo, analyzeModel, startProcess, decodeVersionTag];',
  ].join('\n');
  const [result] = await eslint.lintText(code, { filePath: path.join(root, 'src', 'core', 'tasks', 'probe.ts') });
  const lines = result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.line).sort();
  assert.deepEqual([...new Set(lines)], [1, 2, 3, 4, 5]);
});
