/**
 * `qdq`'s stop signals (src/cli/stopSignals.ts, whileSaving): SIGINT, SIGTERM and SIGHUP during a
 * save let it finish, leave no temporary file, and exit 128 + the signal's number; at any other time
 * a signal keeps its default action. Real child processes (a handler that never runs, or that runs
 * only because something keeps the process alive, is what an in-process stand-in would miss): the
 * child saves with a source whose read blocks on a named pipe once the temporary file exists, so the
 * signal really arrives in the middle of the save, and nothing keeps the child alive afterwards.
 * The child is bundled with esbuild and run by plain `node`, as the shipped `qdq` (dist/cli.js) is:
 * under `--import tsx` a signal that arrives during synchronous work is not handled in the next
 * turn of the event loop (the loader's hooks thread), so a tsx child would not show what users get.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { buildSync } from 'esbuild';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { whileSaving } from '../../../src/cli/stopSignals';
import { makeTempDir } from '../../support/tempDir';
import { EDIT, FIXTURE, files, original, scratch } from '../onnx/saveScratch';

const src = (p: string) => JSON.stringify(path.resolve(__dirname, '../../../src', p));

/** `script` (CommonJS, may require TypeScript sources) bundled into one plain .js file, as the CLI is shipped. */
function bundled(script: string): string {
  const dir = makeTempDir('qdq-signal-child');
  const entry = path.join(dir, 'child.ts');
  fs.writeFileSync(entry, script);
  const out = path.join(dir, 'child.js');
  buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'silent' });
  return out;
}

/**
 * A child that (`busy` first: spins synchronously until killed, before any save) saves `file` edited
 * through whileSaving, its source blocking on `gate` in the copy into the temporary file; prints
 * `saving` then, and `saved` after.
 */
function child(file: string, gate: string, busy = false) {
  const script = `
    const fs = require('node:fs');
    const { openModelFile, saveModelFile } = require(${src('core/onnx/modelFile.ts')});
    const { applyEdit } = require(${src('core/editing/index.ts')});
    const { whileSaving } = require(${src('cli/stopSignals.ts')});
    if (${busy}) { process.stdout.write('busy\\n'); const end = Date.now() + 20000; while (Date.now() < end) {} }
    const d = openModelFile(${JSON.stringify(file)});
    applyEdit(d, ${JSON.stringify(EDIT)});
    const real = d.source;
    let first = true;
    d.source = { size: real.size, name: real.name, checkUnchanged: () => real.checkUnchanged(), read(o, l) {
      if (first && fs.readdirSync(${JSON.stringify(path.dirname(file))}).some((f) => f.endsWith('.tmp'))) {
        first = false;
        process.stdout.write('saving\\n');
        const fd = fs.openSync(${JSON.stringify(gate)}, 'r'); // blocks until the parent opens the pipe to write
        fs.readSync(fd, Buffer.alloc(1), 0, 1, null);
        fs.closeSync(fd);
      }
      return real.read(o, l);
    } };
    whileSaving(() => saveModelFile(d, ${JSON.stringify(file)})).then(() => process.stdout.write('saved\\n'));
  `;
  return spawn(process.execPath, [bundled(script)], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Waits for `mark` on the child's stdout, sends `signal`, then (when `gate` is given) lets the
 * blocked save go on by writing to the gate; returns how the child ended.
 */
async function signalWhen(c: ChildProcess, mark: string, signal: NodeJS.Signals, gate: string | undefined, check: () => void = () => {}) {
  let out = '';
  let err = '';
  c.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const ended = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => c.on('exit', (code, sig) => resolve([code, sig])));
  try {
    await new Promise<void>((resolve, reject) => {
      c.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes(mark)) resolve();
      });
      c.on('exit', () => reject(new Error(`the child ended before '${mark.trim()}': ${err}`)));
    });
    check();
    c.kill(signal);
    if (gate) await letGo(gate, c);
    const [code, sig] = await ended;
    return { code, sig, out, err };
  } finally {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
}

/**
 * Lets the save blocked on `gate` go on (the signal is handled once it returns): opens the pipe to
 * write once the child has it open to read, or gives up when the child is gone (a signal that
 * killed it must fail the test, not hang it on a pipe nobody reads).
 */
async function letGo(gate: string, c: ChildProcess): Promise<void> {
  for (;;) {
    try {
      const w = fs.openSync(gate, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
      fs.writeSync(w, 'x');
      fs.closeSync(w);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENXIO') throw e; // ENXIO: no reader yet
    }
    if (c.exitCode !== null || c.signalCode !== null) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function fifo(): string {
  const gate = path.join(makeTempDir('qdq-gate'), 'gate');
  execFileSync('mkfifo', [gate]);
  return gate;
}

async function run(signal: NodeJS.Signals, busy: boolean) {
  const { dir, file } = scratch('qdq-stop-signal');
  const gate = fifo();
  const r = await signalWhen(child(file, gate, busy), busy ? 'busy\n' : 'saving\n', signal, busy ? undefined : gate, () => {
    if (!busy) assert.equal(files(dir).filter((f) => f.endsWith('.tmp')).length, 1, 'a save in progress');
  });
  return { dir, file, ...r };
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
  test(`${signal} in the middle of a save: the save ends whole, no temporary file remains, exit ${code}`, async () => {
    const r = await run(signal, false);
    assert.equal(r.sig, null, `killed by ${r.sig}: the handler did not run (${r.err})`);
    assert.equal(r.code, code, `${r.err} / ${r.out}`);
    assert.ok(!r.out.includes('saved'), 'stopped right after the save, before going on');
    assert.deepEqual(files(r.dir), ['m.onnx'], 'no temporary file');
    assert.ok(!fs.readFileSync(r.file).equals(original()), 'the edited model was written whole');
  });
}

test('a signal outside a save keeps its default action: qdq stops at once', async () => {
  const r = await run('SIGTERM', true);
  assert.equal(r.sig, 'SIGTERM', `exit ${r.code}: the signal was deferred (${r.err})`);
  assert.deepEqual(files(r.dir), ['m.onnx']);
  assert.ok(fs.readFileSync(r.file).equals(original()), 'nothing was written');
});

test('whileSaving removes its handlers after the save, also when it fails', async () => {
  const proc = new EventEmitter();
  const exits: number[] = [];
  assert.equal(await whileSaving(() => 7, proc, (c) => exits.push(c)), 7);
  await assert.rejects(
    whileSaving(() => {
      throw new Error('disk full');
    }, proc),
    /disk full/,
  );
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) assert.equal(proc.listenerCount(s), 0, s);
  assert.deepEqual(exits, []);
});

test('SIGTERM while qdq edit --export-plan writes the plan: the plan is written whole, no temporary file remains, exit 143', async () => {
  const dir = makeTempDir('qdq-plan-signal');
  const plan = path.join(dir, 'plan.json');
  const gate = fifo();
  // qdq edit as shipped (bundled), its first write into the plan's temporary file blocking on the gate.
  const script = `
    const fs = require('node:fs');
    const { main } = require(${src('cli/qdq.ts')});
    const writeSync = fs.writeSync;
    let first = true;
    fs.writeSync = (...args) => {
      if (first && fs.readdirSync(${JSON.stringify(dir)}).some((f) => f.endsWith('.tmp'))) {
        first = false;
        process.stdout.write('saving\\n');
        const g = fs.openSync(${JSON.stringify(gate)}, 'r');
        fs.readSync(g, Buffer.alloc(1), 0, 1, null);
        fs.closeSync(g);
      }
      return writeSync(...args);
    };
    const io = { out: (s) => process.stdout.write(s + '\\n'), err: (s) => process.stderr.write(s + '\\n') };
    Promise.resolve(main(['edit', ${JSON.stringify(FIXTURE)}, '--disable-quant', ${JSON.stringify(EDIT.target)}, '--export-plan', ${JSON.stringify(plan)}], io))
      .then((code) => process.stdout.write('done ' + code + '\\n'));
  `;
  const c = spawn(process.execPath, [bundled(script)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const r = await signalWhen(c, 'saving\n', 'SIGTERM', gate, () => {
    assert.equal(files(dir).filter((f) => f.endsWith('.tmp')).length, 1, 'the plan is being written');
  });
  assert.equal(r.sig, null, `killed by ${r.sig}: the handler did not run (${r.err})`);
  assert.equal(r.code, 143, `${r.err} / ${r.out}`);
  assert.ok(!r.out.includes('done'), 'stopped right after the plan was written');
  assert.deepEqual(files(dir), ['plan.json'], 'no temporary file');
  assert.ok(Array.isArray(JSON.parse(fs.readFileSync(plan, 'utf8')).keepHigherPrecision), 'the plan was written whole');
});
