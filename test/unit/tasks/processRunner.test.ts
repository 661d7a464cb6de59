/**
 * The quoting guarantee, executed: hostile arguments built by src/core/tasks go through the very
 * runner the trtexec task uses (spawn, no shell) to the stand-in programs in
 * test/support/standins/, which record what they received. Every argument arrives intact and
 * nothing else runs (no file the injected commands would create appears).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { quantizeCommand, trtexecCommand, type CommandLine } from '../../../src/core/tasks/index';
import { spawnSync } from 'node:child_process';
import { startProcess, stopAllProcesses } from '../../../src/tasks/processRunner';
import { makeTempDir } from '../../support/tempDir';

const root = path.resolve(__dirname, '..', '..', '..');
const standins = path.join(root, 'test', 'support', 'standins');
const argvEcho = path.join(standins, 'argv-echo');
const fakeTrtexec = path.join(standins, 'trtexec');

async function run(cl: CommandLine) {
  let output = '';
  const result = await startProcess(cl, { onOutput: (t) => (output += t) }).done;
  return { ...result, output };
}

/** Names whose shell interpretation would create files in `dir`. */
function hostileNames(dir: string): string[] {
  const m = (n: string) => path.join(dir, n);
  return [
    `my model $(touch ${m('PWNED1')}).pt`,
    `back\`touch ${m('PWNED2')}\`tick.pt`,
    `semi; touch ${m('PWNED3')}; .pt`,
    `it's "quoted" \\ and 'single'.pt`,
    `amp & touch ${m('PWNED4')} | cat > ${m('PWNED5')}`,
    `glob * ? [a] {b,c} ~ $HOME \${PATH} %PATH% !x`,
    `new\nline\ttab`,
    `-rf`,
    `ünïcödé 模型 😀.pt`,
  ];
}

test('hostile yolov9-qat arguments reach the program intact, nothing else runs', async () => {
  const dir = makeTempDir('qdq-quote');
  const checkout = path.join(dir, 'yolo v9 $(checkout)');
  fs.mkdirSync(checkout);
  const out = path.join(dir, 'argv.json');
  for (const name of hostileNames(dir)) {
    const cl = quantizeCommand({ python: argvEcho, checkout }, { weights: name, data: name, hyp: name, device: name, project: dir, name });
    const r = await run({ ...cl, env: { ...cl.env, QDQ_STANDIN_ARGV_OUT: out } });
    assert.equal(r.code, 0, r.startError ?? r.output);
    const got = JSON.parse(fs.readFileSync(out, 'utf8')) as { args: string[]; cwd: string };
    assert.deepEqual(got.args, cl.args, `argument list for ${JSON.stringify(name)}`);
    assert.equal(fs.realpathSync(got.cwd), fs.realpathSync(checkout));
  }
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('PWNED')), [], 'an injected command ran');
});

test('hostile trtexec model and output paths reach the stand-in intact, and it writes the files where asked', async () => {
  const dir = makeTempDir('qdq-quote-trt');
  for (const name of hostileNames(dir).slice(0, 6)) {
    const modelDir = path.join(dir, name.replace(/[/\n]/g, '_'));
    fs.mkdirSync(modelDir, { recursive: true });
    const model = path.join(modelDir, 'model.onnx');
    const plan = trtexecCommand({ trtexec: fakeTrtexec, model, flavour: 'qdq', trtMajor: 8 });
    const out = path.join(dir, 'argv.json');
    const r = await run({ ...plan.commandLine, env: { QDQ_STANDIN_ARGV_OUT: out } });
    assert.equal(r.code, 0, r.startError ?? r.output);
    assert.deepEqual(JSON.parse(fs.readFileSync(out, 'utf8')), plan.commandLine.args);
    assert.ok(fs.existsSync(plan.outputs.layerInfo), `layer info at ${plan.outputs.layerInfo}`);
    assert.ok(fs.existsSync(plan.outputs.profile));
    assert.ok(fs.existsSync(plan.outputs.engine));
    assert.match(r.output, /&&&& PASSED TensorRT\.trtexec \[TensorRT v8601\]/);
  }
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('PWNED')), []);
});

test('exit codes, missing programs and a missing working folder come back as results, not throws', async () => {
  const failing = await run({ command: argvEcho, args: [], env: { QDQ_STANDIN_EXIT: '3', QDQ_STANDIN_ARGV_OUT: path.join(makeTempDir('qdq-exit'), 'a.json') } });
  assert.equal(failing.code, 3);
  const missing = await run({ command: '/no/such/program', args: [] });
  assert.equal(missing.code, undefined);
  assert.match(missing.startError!, /cannot run \/no\/such\/program: no such program/);
  const noCwd = await run({ command: argvEcho, args: [], cwd: '/no/such/folder' });
  assert.match(noCwd.startError!, /no such program \(or the folder \/no\/such\/folder does not exist\)/);
});

test('kill stops a running process', async () => {
  const p = startProcess({ command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] }, { onOutput: () => undefined });
  setTimeout(() => p.kill(), 100);
  const r = await p.done;
  assert.equal(r.code, undefined);
  assert.equal(r.signal, 'SIGTERM');
});

/** Resolves once `check` holds (polled every 10 ms). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

/**
 * Starts `script` (Node) and returns once it printed `ready` (its signal handlers are in place),
 * with its output so far and what it printed after.
 */
async function started(script: string, grace = { interruptMs: 300, killMs: 300 }) {
  let output = '';
  let ready: () => void = () => undefined;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const p = startProcess({ command: process.execPath, args: ['-e', `${script}; console.log('ready'); setInterval(() => {}, 1000)`] }, {
    onOutput: (t) => {
      output += t;
      if (output.includes('ready')) ready();
    },
  }, grace);
  await isReady;
  return { p, output: () => output };
}

test('interrupt sends SIGINT, as Ctrl+C in a shell: a program that handles it ends as it chooses', async () => {
  const { p, output } = await started("process.on('SIGINT', () => { console.log('got SIGINT'); process.exit(130); })");
  p.interrupt();
  const r = await p.done;
  assert.equal(r.code, 130);
  assert.match(output(), /got SIGINT/);
});

test('interrupt escalates: SIGTERM after the grace period when SIGINT is ignored, then SIGKILL', async () => {
  const term = await started("process.on('SIGINT', () => console.log('ignored SIGINT')); process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(143); })");
  term.p.interrupt();
  const r1 = await term.p.done;
  assert.equal(r1.code, 143);
  assert.match(term.output(), /ignored SIGINT[\s\S]*got SIGTERM/);

  // A second Ctrl+C is another SIGINT. It is sent once the first was handled: two signals sent
  // back to back can merge into one pending signal, so the program may see only one.
  const deaf = await started("process.on('SIGINT', () => console.log('ignored SIGINT')); process.on('SIGTERM', () => console.log('ignored SIGTERM'))", { interruptMs: 2500, killMs: 300 });
  deaf.p.interrupt();
  await until(() => /ignored SIGINT/.test(deaf.output()));
  deaf.p.interrupt();
  const r2 = await deaf.p.done;
  assert.equal(r2.signal, 'SIGKILL');
  assert.match(deaf.output(), /ignored SIGINT[\s\S]*ignored SIGINT[\s\S]*ignored SIGTERM/);
});

test('interrupt makes Python raise KeyboardInterrupt (its traceback printed, then it ends of SIGINT)', { skip: !fs.existsSync('/usr/bin/python3') && 'no /usr/bin/python3' }, async () => {
  let output = '';
  let ready: () => void = () => undefined;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const p = startProcess({ command: '/usr/bin/python3', args: ['-c', "import time\nprint('ready', flush=True)\ntime.sleep(60)"] }, {
    onOutput: (t) => {
      output += t;
      if (output.includes('ready')) ready();
    },
  });
  await isReady;
  p.interrupt();
  const r = await p.done;
  assert.match(output, /Traceback \(most recent call last\):[\s\S]*KeyboardInterrupt/);
  assert.equal(r.signal, 'SIGINT');
});

/**
 * A program that starts another and waits for it (a wrapper such as `conda run`, a launcher
 * script): `grandchild` is the started program's script; the wrapper ignores SIGINT and SIGTERM
 * itself, as a shell waiting for its job does, and ends when the grandchild ends.
 */
async function wrapped(grandchild: string) {
  const wrapper = [
    "const { spawn } = require('node:child_process');",
    "process.on('SIGINT', () => undefined); process.on('SIGTERM', () => undefined);",
    `const c = spawn(process.execPath, ['-e', ${JSON.stringify(`${grandchild}; console.log('ready'); setTimeout(() => { console.log('grandchild timed out'); process.exit(3); }, 20000)`)}], { stdio: 'inherit' });`,
    "c.on('exit', (code, sig) => process.exit(code ?? 1));",
  ].join('\n');
  let output = '';
  let ready: () => void = () => undefined;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const p = startProcess({ command: process.execPath, args: ['-e', wrapper] }, {
    onOutput: (t) => {
      output += t;
      if (output.includes('ready')) ready();
    },
  }, { interruptMs: 20_000, killMs: 20_000 });
  await isReady;
  return { p, output: () => output };
}

test('Ctrl+C reaches what the program started (its process group, as in a shell): a wrapper\'s child gets SIGINT', { skip: process.platform === 'win32' && 'no process groups' }, async () => {
  const w = await wrapped("process.on('SIGINT', () => { console.log('grandchild got SIGINT'); process.exit(130); })");
  w.p.interrupt();
  const r = await w.p.done;
  assert.match(w.output(), /grandchild got SIGINT/);
  assert.doesNotMatch(w.output(), /timed out/);
  assert.equal(r.code, 130);
});

test('Stop reaches what the program started: a wrapper\'s child gets SIGTERM', { skip: process.platform === 'win32' && 'no process groups' }, async () => {
  const w = await wrapped("process.on('SIGTERM', () => { console.log('grandchild got SIGTERM'); process.exit(143); })");
  w.p.kill();
  const r = await w.p.done;
  assert.match(w.output(), /grandchild got SIGTERM/);
  assert.equal(r.code, 143);
});

test('a program still running when the host ends gets SIGTERM (stopAllProcesses: deactivate and the host\'s exit), since its own process group no longer hears the host\'s', { skip: process.platform === 'win32' && 'no process groups' }, async () => {
  const { p, output } = await started("process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(143); })");
  stopAllProcesses();
  const r = await p.done;
  assert.match(output(), /got SIGTERM/);
  assert.equal(r.code, 143);
  // A program that ended is not signalled again (its group id may be reused).
  stopAllProcesses();
});

test('the host\'s exit stops what is still running: a host process ended by a plain exit leaves no program behind', { skip: process.platform === 'win32' && 'no process groups' }, async () => {
  // A stand-in host: starts a long-running program (marked by a unique argument) through the runner, then exits.
  const runner = path.resolve(__dirname, '..', '..', '..', 'src', 'tasks', 'processRunner.ts');
  const marker = `qdq-orphan-probe-${process.pid}-${Date.now()}`;
  const host = [
    `const { startProcess } = require(${JSON.stringify(runner)});`,
    `startProcess({ command: process.execPath, args: ['-e', 'setTimeout(() => {}, 300000)', ${JSON.stringify(marker)}] }, { onOutput: () => undefined });`,
    'setTimeout(() => process.exit(0), 500);',
  ].join('\n');
  const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', host], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(run.status, 0, run.stderr);
  // SIGTERM was sent as the host exited; give the program a moment to go.
  let left = '';
  for (let i = 0; i < 40; i++) {
    left = spawnSync('pgrep', ['-f', marker], { encoding: 'utf8' }).stdout.trim();
    if (!left) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (left) spawnSync('pkill', ['-f', marker]);
  assert.equal(left, '', `the program the host started is still running after the host exited (pids ${left})`);
});
