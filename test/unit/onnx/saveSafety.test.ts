/**
 * What a save must never write over, and what it must never leave behind (audit of `qdq save`):
 * - one of the model's own external data files (it wrote the model over the weights, exit 0), by
 *   any spelling: `./a/../a/d.data`, a symbolic link to it, a linked folder; and a name from which
 *   the saved copy would read its own bytes as its weights;
 * - a target that is not a regular file: a named pipe, a device (as root `-o /dev/null` replaced
 *   /dev/null with a file), a folder, a name ending with `/` (it was the raw "EISDIR … rename
 *   '/…/.x.onnx.<hex>.tmp'");
 * - the system's errors in words without the temporary file's name; a target name near the 255-byte
 *   limit is saved (the temporary name, 19 bytes longer, failed with ENAMETOOLONG);
 * - `abandonSaves()` removes the temporary file of a save in progress (a process stopping), and
 *   that save fails instead of renaming; a SIGTERM mid-save with a handler leaves no temporary file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { applyEdit } from '../../../src/core/editing/index';
import { DataLocation, ModelFileError, encodeModelToBytes, openModelFile, saveModelFile, type DecodedModel } from '../../../src/core/onnx/index';
import { abandonSaves } from '../../../src/core/onnx/modelFile';
import { targetKindProblem } from '../../../src/core/onnx/saveTarget';
import { main as qdq } from '../../../src/cli/qdq';
import { yoloLike, YOLO_PRESETS } from '../../support/modelBuilder';
import { makeTempDir } from '../../support/tempDir';
import { EDIT, files, openEdited, original, scratch } from './saveScratch';

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const noTemp = (e: unknown) => !/\.tmp\b/.test((e as Error).message);

/** A builder model saved with its weights in `m.onnx.data` beside `m.onnx`, in a new folder. */
function withExternalData(prefix: string): { dir: string; file: string; data: string; weights: Buffer; modelBytes: Buffer } {
  const dir = makeTempDir(prefix);
  const file = path.join(dir, 'm.onnx');
  const written = yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good' }).writeFile(file, { external: { threshold: 256 } });
  assert.equal(written.dataPath, path.join(dir, 'm.onnx.data'));
  return { dir, file, data: written.dataPath, weights: fs.readFileSync(written.dataPath), modelBytes: fs.readFileSync(file) };
}

function externalNames(d: DecodedModel): string[] {
  return d.model.graph!.initializer.filter((t) => t.dataLocation === DataLocation.EXTERNAL).map((t) => t.name);
}

test('saving onto the model\'s own external data file is refused before anything is written, by any spelling of its path', () => {
  const { dir, file, data, weights, modelBytes } = withExternalData('qdq-onto-data');
  fs.symlinkSync('m.onnx.data', path.join(dir, 'link.data'));
  fs.symlinkSync(dir, path.join(path.dirname(dir), `${path.basename(dir)}-alias`));
  const decoded = openModelFile(file);
  try {
    applyEdit(decoded, { kind: 'disableQuantization', target: 'model.2' });
    const names = externalNames(decoded);
    assert.ok(names.length > 1, 'the weights are in the data file');
    const expected = `cannot save: it is an external data file of ${file} (tensor '${names[0]}' and ${names.length - 1} others read it, location 'm.onnx.data'); saving over it would destroy those weights: choose another name`;
    const cwd = process.cwd();
    for (const target of [
      data,
      path.join(dir, '.', 'sub', '..', 'm.onnx.data'),
      path.relative(cwd, data),
      path.join(dir, 'link.data'), // a link to it (the rename would replace the link; the saved name still reads as the weights)
      path.join(`${dir}-alias`, 'm.onnx.data'), // through a linked folder: the rename would land on the weights
    ]) {
      assert.throws(
        () => saveModelFile(decoded, target),
        (e: unknown) => e instanceof ModelFileError && e.message === `${target}: ${expected}`,
        target,
      );
      assert.ok(fs.readFileSync(data).equals(weights), `${target}: the weights are untouched`);
    }
    assert.ok(fs.lstatSync(path.join(dir, 'link.data')).isSymbolicLink());
    assert.deepEqual(files(dir), ['link.data', 'm.onnx', 'm.onnx.data']);
    // Another name is fine, and so is the model file itself.
    saveModelFile(decoded, path.join(dir, 'm2.onnx'));
    saveModelFile(decoded, file);
    assert.ok(!fs.readFileSync(file).equals(modelBytes), 'saved in place');
    assert.ok(fs.readFileSync(data).equals(weights));
  } finally {
    decoded.source.close?.();
  }
});

test('a data file that is a link into a blob store: the blob is refused as a target too', () => {
  const { dir, file, data, weights } = withExternalData('qdq-onto-blob');
  // snapshots/m.onnx and snapshots/m.onnx.data link into blobs/, as in the Hugging Face cache.
  fs.mkdirSync(path.join(dir, 'blobs'));
  fs.mkdirSync(path.join(dir, 'snap'));
  fs.renameSync(file, path.join(dir, 'blobs', 'aaa'));
  fs.renameSync(data, path.join(dir, 'blobs', 'bbb'));
  fs.symlinkSync('../blobs/aaa', path.join(dir, 'snap', 'm.onnx'));
  fs.symlinkSync('../blobs/bbb', path.join(dir, 'snap', 'm.onnx.data'));
  const decoded = openModelFile(path.join(dir, 'snap', 'm.onnx'));
  try {
    for (const target of [path.join(dir, 'blobs', 'bbb'), path.join(dir, 'snap', 'm.onnx.data')]) {
      assert.throws(() => saveModelFile(decoded, target), (e: unknown) => e instanceof ModelFileError && /: cannot save: it is an external data file of .*snap\/m\.onnx \(tensor '/.test(e.message), target);
    }
    assert.ok(fs.readFileSync(path.join(dir, 'blobs', 'bbb')).equals(weights));
    assert.ok(fs.lstatSync(path.join(dir, 'snap', 'm.onnx.data')).isSymbolicLink());
  } finally {
    decoded.source.close?.();
  }
});

test('a name from which the saved copy would read its own bytes as its weights is refused', () => {
  const { dir, file } = withExternalData('qdq-self-data');
  const decoded = openModelFile(file);
  try {
    const target = path.join(dir, 'other', 'm.onnx.data'); // the copy's tensors read 'm.onnx.data' beside it: itself
    assert.throws(
      () => saveModelFile(decoded, target),
      (e: unknown) => e instanceof ModelFileError && e.message.startsWith(`${target}: cannot save: the saved model would read its own bytes as external data (tensor '${externalNames(decoded)[0]}' and `),
    );
    assert.ok(!fs.existsSync(path.join(dir, 'other')), 'nothing written, not even its folder');
  } finally {
    decoded.source.close?.();
  }
});

test('qdq save -o and qdq edit -o onto the data file: exit 2 with the message, the weights untouched', async () => {
  const { dir, file, data, weights } = withExternalData('qdq-onto-data-cli');
  for (const args of [['save', file, '-o', data], ['edit', file, '--disable-quant', 'model.2', '-o', data]]) {
    let out = '';
    let err = '';
    const code = await qdq(args, { out: (s) => (out += `${s}\n`), err: (s) => (err += `${s}\n`) });
    assert.equal(code, 2, `qdq ${args.join(' ')}: ${err}`);
    assert.match(err, new RegExp(`qdq: ${esc(data)}: cannot save: it is an external data file of ${esc(file)} \\(tensor '`), err);
    assert.equal(out, '');
    assert.ok(fs.readFileSync(data).equals(weights), `qdq ${args[0]}: the weights are untouched`);
    assert.deepEqual(files(dir), ['m.onnx', 'm.onnx.data']);
  }
});

test('a named pipe as the target (or a link to one) is refused without opening it: it stays a pipe, nothing is written', () => {
  const { dir, file } = scratch('qdq-fifo');
  const fifo = path.join(dir, 'pipe.onnx');
  execFileSync('mkfifo', [fifo]);
  fs.symlinkSync('pipe.onnx', path.join(dir, 'to-pipe.onnx'));
  const decoded = openEdited(file);
  try {
    assert.throws(
      () => saveModelFile(decoded, fifo),
      (e: unknown) => e instanceof ModelFileError && e.message === `${fifo}: cannot save: it is not a regular file (a named pipe (FIFO)); a save would replace it with one`,
    );
    const link = path.join(dir, 'to-pipe.onnx');
    assert.throws(
      () => saveModelFile(decoded, link),
      (e: unknown) => e instanceof ModelFileError && e.message === `${link}: cannot save: it is not a regular file (a named pipe (FIFO), through a symbolic link); a save would replace it with one`,
    );
    assert.ok(fs.lstatSync(fifo).isFIFO(), 'still a pipe');
    assert.ok(fs.lstatSync(link).isSymbolicLink(), 'still a link');
    assert.deepEqual(files(dir), ['m.onnx', 'pipe.onnx', 'to-pipe.onnx']);
    assert.ok(fs.readFileSync(file).equals(original()));
  } finally {
    decoded.source.close?.();
  }
});

test('devices are said as such (stat only: /dev/null is looked at, never written)', () => {
  assert.equal(targetKindProblem('/dev/null', fs.statSync('/dev/null'), false, 'm.onnx', 'linux'), 'cannot save: it is not a regular file (a character device); a save would replace it with one');
  assert.equal(targetKindProblem('/x', fs.statSync('/dev/null'), true, 'm.onnx', 'linux'), 'cannot save: it is not a regular file (a character device, through a symbolic link); a save would replace it with one');
  assert.equal(targetKindProblem('/x.onnx', undefined, false, 'm.onnx', 'linux'), undefined);
  assert.equal(targetKindProblem('C:\\out\\', undefined, false, 'm.onnx', 'win32'), "cannot save: the name ends with '\\', so it names a folder; name a file to save to, e.g. C:\\out\\m.onnx");
});

test('a folder as the target, or a name ending with "/": said in words (not the raw EISDIR with the temporary name), nothing written', () => {
  const { dir, file } = scratch('qdq-folder-target');
  fs.mkdirSync(path.join(dir, 'sv'));
  fs.writeFileSync(path.join(dir, 'plain.onnx'), 'x');
  const decoded = openEdited(file);
  try {
    const cases: Array<[string, string]> = [
      [path.join(dir, 'sv'), `cannot save: it is a folder; name a file to save to, e.g. ${path.join(dir, 'sv', 'm.onnx')}`],
      [`${path.join(dir, 'sv')}/`, `cannot save: it is a folder; name a file to save to, e.g. ${path.join(dir, 'sv', 'm.onnx')}`],
      [`${path.join(dir, 'sv', 'newdir')}/`, `cannot save: the name ends with '/', so it names a folder; name a file to save to, e.g. ${path.join(dir, 'sv', 'newdir', 'm.onnx')}`],
      [`${path.join(dir, 'plain.onnx')}/`, `cannot save: the name ends with '/', so it names a folder; name a file to save to, e.g. ${path.join(dir, 'plain.onnx', 'm.onnx')}`],
    ];
    for (const [target, problem] of cases) {
      assert.throws(() => saveModelFile(decoded, target), (e: unknown) => e instanceof ModelFileError && e.message === `${target}: ${problem}`, target);
    }
    assert.deepEqual(files(dir), ['m.onnx', 'plain.onnx', 'sv']);
    assert.deepEqual(files(path.join(dir, 'sv')), []);
  } finally {
    decoded.source.close?.();
  }
});

test('a target name near the 255-byte limit is saved (the temporary name is longer); one over it is said to be too long, without the temporary name', () => {
  const { dir, file } = scratch('qdq-long-name');
  const decoded = openEdited(file);
  try {
    const long = path.join(dir, `${'a'.repeat(250)}.onnx`); // 255 bytes: the longest name Linux file systems take
    saveModelFile(decoded, long);
    assert.ok(fs.readFileSync(long).equals(Buffer.from(encodeModelToBytes(decoded))));
    const tooLong = path.join(dir, `${'b'.repeat(251)}.onnx`);
    assert.throws(
      () => saveModelFile(decoded, tooLong),
      (e: unknown) => e instanceof ModelFileError && e.message === `${tooLong}: cannot save: its name is too long for the file system (ENAMETOOLONG)`,
    );
    assert.deepEqual(files(dir), [path.basename(long), 'm.onnx']);
  } finally {
    decoded.source.close?.();
  }
});

test('a folder that takes no new files (/proc): said in words, without the temporary name', (t) => {
  if (!fs.existsSync('/proc/self')) {
    t.skip('no /proc here');
    return;
  }
  const { file } = scratch('qdq-proc');
  const decoded = openEdited(file);
  try {
    assert.throws(
      () => saveModelFile(decoded, '/proc/m.onnx'),
      (e: unknown) => e instanceof ModelFileError && noTemp(e) && e.message.startsWith('/proc/m.onnx: cannot save: the folder /proc '),
    );
  } finally {
    decoded.source.close?.();
  }
});

test('a failing rename or write (fault injection): the system\'s reason in words, never the temporary file\'s name, nothing left', (t) => {
  const fsModule = createRequire(__filename)('node:fs') as typeof fs;
  const fail = (code: string, what: string) => (...args: unknown[]) => {
    throw Object.assign(new Error(`${code}: failed, ${what} '${String(args[0])}'`), { code });
  };
  const cases: Array<['renameSync' | 'writeSync' | 'fsyncSync', string, string]> = [
    ['renameSync', 'EISDIR', 'cannot save: it cannot be replaced: it is a folder (EISDIR)'],
    ['renameSync', 'EACCES', 'cannot save: it cannot be replaced: permission denied (EACCES) (a file marked immutable, or a folder with the sticky bit whose file another user owns)'],
    ['renameSync', 'EBUSY', 'cannot save: it cannot be replaced: it is in use (a mount point, or locked) (EBUSY)'],
    ['writeSync', 'EIO', 'cannot save: writing failed: input/output error (EIO); nothing was saved'],
    ['fsyncSync', 'EDQUOT', 'cannot save: writing failed: disk quota exceeded (EDQUOT); nothing was saved'],
  ];
  for (const [method, code, problem] of cases) {
    const { dir, file } = scratch('qdq-fault');
    const decoded = openEdited(file);
    const m = t.mock.method(fsModule, method, fail(code, String(method)));
    try {
      assert.throws(() => saveModelFile(decoded, file), (e: unknown) => e instanceof ModelFileError && e.message === `${file}: ${problem}`, `${method} ${code}`);
    } finally {
      m.mock.restore();
      decoded.source.close?.();
    }
    assert.ok(fs.readFileSync(file).equals(original()));
    assert.deepEqual(files(dir), ['m.onnx'], `${method} ${code}: no temporary file left`);
  }
});

test('abandonSaves() removes the temporary file of a save in progress; that save then fails instead of renaming, the target keeps its bytes', () => {
  const { dir, file } = scratch('qdq-abandon');
  const decoded = openEdited(file);
  const real = decoded.source;
  let seen: string[] = [];
  let removed: string[] = [];
  // A source that stops the process half-way, as a signal handler running mid-save would.
  decoded.source = {
    size: real.size,
    name: real.name,
    read(offset, length) {
      // The encode reads too, before the temporary file exists; the copy into it comes after.
      const temps = files(dir).filter((f) => f.endsWith('.tmp'));
      if (seen.length === 0 && temps.length > 0) {
        seen = temps;
        removed = abandonSaves();
      }
      return real.read(offset, length);
    },
    checkUnchanged: () => real.checkUnchanged?.(),
  };
  try {
    assert.throws(
      () => saveModelFile(decoded, file),
      (e: unknown) => e instanceof ModelFileError && e.message === `${file}: cannot save: the save was abandoned (the process is stopping); nothing was saved`,
    );
    assert.equal(seen.length, 1, 'the save had its temporary file when it was abandoned');
    assert.match(seen[0]!, /^\.m\.onnx\.[0-9a-f]{12}\.tmp$/);
    assert.deepEqual(removed, [path.join(dir, seen[0]!)]);
    assert.deepEqual(files(dir), ['m.onnx'], 'no temporary file left');
    assert.ok(fs.readFileSync(file).equals(original()), 'the target keeps its bytes');
    assert.deepEqual(abandonSaves(), [], 'nothing in progress any more');
    // Finished saves, failed or not, leave nothing for abandonSaves to remove.
    decoded.source = real;
    saveModelFile(decoded, file);
    assert.deepEqual(abandonSaves(), []);
    assert.throws(() => saveModelFile(decoded, `${dir}/`), ModelFileError);
    assert.deepEqual(abandonSaves(), []);
  } finally {
    real.close?.();
  }
});

/**
 * A child process saving `file` (edited) with a source whose first read blocks on `gate` (a named
 * pipe) until this process writes to it; prints `saving` once its temporary file exists. With
 * `handler`, it has SIGTERM call abandonSaves() and exit 143, as the CLI's handler would.
 */
function childSave(file: string, gate: string, handler: boolean) {
  const modelFile = path.resolve(__dirname, '../../../src/core/onnx/modelFile.ts');
  const editing = path.resolve(__dirname, '../../../src/core/editing/index.ts');
  const script = `
    const fs = require('node:fs');
    const { openModelFile, saveModelFile, abandonSaves } = require(${JSON.stringify(modelFile)});
    const { applyEdit } = require(${JSON.stringify(editing)});
    ${handler ? "process.on('SIGTERM', () => { abandonSaves(); process.exit(143); });" : ''}
    const d = openModelFile(${JSON.stringify(file)});
    applyEdit(d, ${JSON.stringify(EDIT)});
    const real = d.source;
    let first = true;
    d.source = { size: real.size, name: real.name, checkUnchanged: () => real.checkUnchanged(), read(o, l) {
      // The encode reads too, before the temporary file exists; block in the copy into it.
      if (first && fs.readdirSync(${JSON.stringify(path.dirname(file))}).some((f) => f.endsWith('.tmp'))) {
        first = false;
        process.stdout.write('saving\\n');
        const fd = fs.openSync(${JSON.stringify(gate)}, 'r'); // blocks until the parent opens the pipe to write
        fs.readSync(fd, Buffer.alloc(1), 0, 1, null);
        fs.closeSync(fd);
      }
      return real.read(o, l);
    } };
    saveModelFile(d, ${JSON.stringify(file)});
    process.stdout.write('saved\\n');
    setInterval(() => {}, 1000); // stay up until the signal is handled
  `;
  return spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
}

async function runChild(handler: boolean): Promise<{ dir: string; file: string; code: number | null; signal: NodeJS.Signals | null; out: string; err: string }> {
  const { dir, file } = scratch(handler ? 'qdq-sigterm-handled' : 'qdq-sigterm-bare');
  const gate = path.join(makeTempDir('qdq-gate'), 'gate'); // its own folder, removed at exit whatever happens
  execFileSync('mkfifo', [gate]);
  const child = childSave(file, gate, handler);
  let out = '';
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const ended = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('saving\n')) resolve();
      });
      child.on('exit', () => reject(new Error(`the child ended before saving: ${err}`)));
    });
    // The child is in the middle of its save, its temporary file written.
    assert.equal(files(dir).filter((f) => f.endsWith('.tmp')).length, 1, 'a save in progress');
    child.kill('SIGTERM');
    if (handler) {
      // Let the save go on: the signal is handled once it returns.
      const w = fs.openSync(gate, 'w');
      fs.writeSync(w, 'x');
      fs.closeSync(w);
    }
    const [code, signal] = await ended;
    return { dir, file, code, signal, out, err };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); // a failed assertion must not leave it blocked on the pipe
  }
}

test('a SIGTERM mid-save: with a handler (what the CLI installs) the save ends whole and no temporary file remains; without one the process dies leaving it', async () => {
  const handled = await runChild(true);
  assert.equal(handled.code, 143, handled.err);
  assert.match(handled.out, /saving\nsaved\n/, 'a save runs synchronously: the handler runs once it has finished');
  assert.deepEqual(files(handled.dir), ['m.onnx'], 'no temporary file left');
  const decoded = openEdited(scratch('qdq-sigterm-expected').file);
  try {
    assert.ok(fs.readFileSync(handled.file).equals(Buffer.from(encodeModelToBytes(decoded))), 'the target is the whole new model');
  } finally {
    decoded.source.close?.();
  }
  // The hazard the handler removes: killed by the default action, the temporary file stays.
  const bare = await runChild(false);
  assert.equal(bare.signal, 'SIGTERM');
  assert.equal(files(bare.dir).filter((f) => f.endsWith('.tmp')).length, 1);
  assert.ok(fs.readFileSync(bare.file).equals(original()), 'the target is untouched');
});
