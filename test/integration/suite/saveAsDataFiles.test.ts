import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DataLocation, openModelFile, readTensorValues } from '../../../src/core/onnx/index';
import { YOLO_PRESETS, yoloLike } from '../../support/modelBuilder';
import { makeTempDir, removeTempDirs } from '../../support/tempDir';
import { VIEW_TYPE, closeAllEditors, waitForOurEditor } from './support';

/** One warning the save showed, and the actions it offered. */
interface Shown {
  message: string;
  actions: string[];
}

/** The external tensors of a model file and their values (read through the core, as the editor reads them). */
function externalValues(file: string): Map<string, number[]> {
  const decoded = openModelFile(file);
  try {
    const out = new Map<string, number[]>();
    for (const t of decoded.model.graph!.initializer) {
      if (t.dataLocation === DataLocation.EXTERNAL) out.set(t.name, Array.from(readTensorValues(decoded, t), Number));
    }
    return out;
  } finally {
    decoded.source.close?.();
  }
}

function nodeCount(file: string): number {
  const decoded = openModelFile(file);
  try {
    return decoded.model.graph!.node.length;
  } finally {
    decoded.source.close?.();
  }
}

suite('Save As: the offer to copy external data files', function () {
  this.timeout(60_000);
  const builder = yoloLike({ ...YOLO_PRESETS.tiny, qdq: 'good' });

  /** A folder holding model.onnx with its large tensors in w.bin beside it, and an empty target folder. */
  function layout(): { model: vscode.Uri; data: string; target: string } {
    const root = makeTempDir('qdq-save-as');
    const written = builder.writeFile(path.join(root, 'original', 'model.onnx'), { external: { location: 'w.bin' } });
    fs.mkdirSync(path.join(root, 'copy'));
    return { model: vscode.Uri.file(written.modelPath), data: written.dataPath!, target: path.join(root, 'copy', 'model.onnx') };
  }

  async function open(uri: vscode.Uri): Promise<void> {
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    await waitForOurEditor(uri);
  }

  /**
   * The document's Save As to `target` (what VS Code runs once its file dialog has a target), its
   * warning about data files answered by `answer` (given what it offers) in place of the
   * notification; resolves with the warnings once the copies asked for are done.
   */
  async function saveAs(uri: vscode.Uri, target: string, answer: (shown: Shown) => string | undefined): Promise<Shown[]> {
    const shown: Shown[] = [];
    const prompt = async (message: string, ...actions: string[]) => {
      const s = { message, actions };
      shown.push(s);
      return answer(s);
    };
    const done = await vscode.commands.executeCommand<boolean>('qdqStudio.internal.saveAs', uri.toString(), target, prompt);
    assert.equal(done, true, 'the test hook qdqStudio.internal.saveAs did not save (is the extension host in test mode?)');
    assert.ok(fs.existsSync(target), `${target} was not written`);
    return shown;
  }

  // code-server saves dirty editors a second after each change (files.autoSave: afterDelay); the
  // edited document must stay as it is here.
  suiteSetup(async () => {
    await vscode.workspace.getConfiguration('files').update('autoSave', 'off', vscode.ConfigurationTarget.Workspace);
  });
  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('files').update('autoSave', undefined, vscode.ConfigurationTarget.Workspace);
    removeTempDirs();
  });
  teardown(async () => {
    // Leave no dirty editor behind (closing would prompt): revert, then close.
    await vscode.commands.executeCommand('workbench.action.files.revert').then(undefined, () => undefined);
    await closeAllEditors();
  });

  test('an edited model saved in another folder: the warning names w.bin, and "Copy Data File" copies it there; the copy reads its tensors', async () => {
    const { model, data, target } = layout();
    const before = externalValues(model.fsPath);
    assert.ok(before.size > 0, 'the model keeps tensors in w.bin');
    await open(model);
    const outcome = await vscode.commands.executeCommand<{ applied: boolean; message: string }>('qdqStudio.disableQuantization', { uri: model.toString(), target: '/model.0/conv/Conv' });
    assert.ok(outcome?.applied, outcome?.message);

    const shown = await saveAs(model, target, (s) => s.actions[0]);
    assert.equal(shown.length, 1, JSON.stringify(shown));
    assert.match(shown[0]!.message, /reads its weights from 'w\.bin', which is not usable from its folder \(not there\)/);
    assert.ok(shown[0]!.message.startsWith(target), shown[0]!.message);
    assert.deepEqual(shown[0]!.actions, ['Copy Data File']);

    const copied = path.join(path.dirname(target), 'w.bin');
    assert.ok(fs.existsSync(copied), 'w.bin was not copied beside the saved model');
    assert.ok(!fs.lstatSync(copied).isSymbolicLink());
    assert.deepEqual(fs.readFileSync(copied), fs.readFileSync(data), 'the copy of w.bin differs from the original');
    assert.deepEqual(externalValues(target), before, 'the saved model reads other values from its w.bin');
    // The saved model is the edited one (the first conv's Q/DQ gone), not a copy of the file.
    assert.ok(nodeCount(target) < nodeCount(model.fsPath), 'the edit is not in the saved model');
  });

  test('a data file reached through a link is copied as the data it leads to, not as the link', async function () {
    if (process.platform === 'win32') return this.skip(); // symbolic links need extra rights there
    const { model, data, target } = layout();
    // w.bin beside the model is a link to the data in a folder inside the model's (followed when read).
    const blob = path.join(path.dirname(data), 'blobs', 'sha-w');
    fs.mkdirSync(path.dirname(blob));
    fs.renameSync(data, blob);
    fs.symlinkSync(path.join('blobs', 'sha-w'), data);
    await open(model);

    const shown = await saveAs(model, target, (s) => s.actions[0]);
    assert.deepEqual(shown.map((s) => s.actions), [['Copy Data File']]);
    const copied = path.join(path.dirname(target), 'w.bin');
    assert.ok(fs.existsSync(copied), 'w.bin was not copied beside the saved model');
    assert.ok(!fs.lstatSync(copied).isSymbolicLink(), 'the copy is a link');
    assert.deepEqual(fs.readFileSync(copied), fs.readFileSync(blob));
    assert.deepEqual(externalValues(target), externalValues(model.fsPath));
  });

  test('a shorter w.bin already in the target folder is reported, not offered for copying, and left as it is', async () => {
    const { model, data, target } = layout();
    const theirs = Buffer.alloc(64, 0xab);
    const existing = path.join(path.dirname(target), 'w.bin');
    fs.writeFileSync(existing, theirs);
    await open(model);

    // Whatever the save offers is taken.
    const shown = await saveAs(model, target, (s) => s.actions[0] ?? 'Copy Data File');
    assert.equal(shown.length, 1, JSON.stringify(shown));
    assert.match(shown[0]!.message, /'w\.bin', which is not usable from its folder \(cut short there\)/);
    assert.deepEqual(shown[0]!.actions, [], 'a copy over the existing file is offered');
    assert.deepEqual(fs.readFileSync(existing), theirs, 'the existing w.bin was overwritten');
    assert.notDeepEqual(fs.readFileSync(data), theirs);
  });

  test('a w.bin put in the target folder while the warning is up is not overwritten by "Copy Data File"', async () => {
    const { model, data, target } = layout();
    const existing = path.join(path.dirname(target), 'w.bin');
    const theirs = Buffer.alloc(fs.statSync(data).size, 0xcd);
    await open(model);

    const shown = await saveAs(model, target, (s) => {
      fs.writeFileSync(existing, theirs); // the user copied something there by hand, then clicks the button
      return s.actions[0];
    });
    assert.deepEqual(shown.map((s) => s.actions), [['Copy Data File']]);
    assert.deepEqual(fs.readFileSync(existing), theirs, 'the w.bin put there was overwritten');
  });

  test('dismissing the warning copies nothing', async () => {
    const { model, target } = layout();
    await open(model);

    const shown = await saveAs(model, target, () => undefined);
    assert.deepEqual(shown.map((s) => s.actions), [['Copy Data File']], 'the copy was offered');
    assert.deepEqual(fs.readdirSync(path.dirname(target)), ['model.onnx'], 'something besides the saved model was written');
  });
});
