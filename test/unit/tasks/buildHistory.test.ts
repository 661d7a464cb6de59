/**
 * Engine comparisons a QAT user can make: the previous build kept in `history/` before a rebuild
 * (naming, rotation, bound), the builds a report can be compared with (same folder, the float
 * twin's `*.trtexec/` folder, earlier builds, layer infos beside the model), and the model of a
 * layer info saved beside it (yolov9-qat's `<stem>.engine.layer.json`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { modelOfEngineOutput, trtexecOutputs } from '../../../src/core/tasks/index';
import {
  comparableBuilds,
  historyEntries,
  historyStamp,
  historyToPrune,
  keepPreviousBuild,
  parseHistoryName,
  siblingBuilds,
  stampText,
} from '../../../src/engineView/sources';
import { makeTempDir } from '../../support/tempDir';

function write(file: string, text = '[]'): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

function setTime(file: string, d: Date): void {
  fs.utimesSync(file, d, d);
}

test('history names: flavour, local time stamp, a sequence for two builds in one second; newest first', () => {
  const d = new Date(2025, 4, 1, 9, 30, 12);
  assert.equal(historyStamp(d), '20250501-093012');
  assert.equal(stampText('20250501-093012'), '2025-05-01 09:30:12');
  assert.deepEqual(parseHistoryName('/x/history/qdq.20250501-093012.layer.json'), { flavour: 'qdq', stamp: '20250501-093012', seq: 1 });
  assert.deepEqual(parseHistoryName('qdq.20250501-093012-2.profile.json'), { flavour: 'qdq', stamp: '20250501-093012', seq: 2 });
  assert.deepEqual(parseHistoryName('my.model.20250501-093012.log'), { flavour: 'my.model', stamp: '20250501-093012', seq: 1 });
  assert.equal(parseHistoryName('qdq.layer.json'), undefined);
  assert.equal(parseHistoryName('qdq.2025.layer.json'), undefined);
  const names = ['qdq.20250501-093012.layer.json', 'qdq.20250501-093012-2.layer.json', 'qdq.20250430-235959.layer.json', 'qdq.20250501-093012.log', 'notes.txt'];
  assert.deepEqual(
    historyEntries(names).map((e) => e.layerInfo),
    ['qdq.20250501-093012-2.layer.json', 'qdq.20250501-093012.layer.json', 'qdq.20250430-235959.layer.json'],
  );
});

test('history bound: the oldest builds of that flavour go with all their files; other flavours stay', () => {
  const names = [
    'qdq.20250101-000001.layer.json',
    'qdq.20250101-000001.profile.json',
    'qdq.20250101-000001.log',
    'qdq.20250101-000002.layer.json',
    'qdq.20250101-000003.layer.json',
    'qdq.20250101-000003-2.layer.json',
    'qdq.20250101-000003-2.log',
    'ptq.20240101-000000.layer.json',
  ];
  assert.deepEqual(historyToPrune(names, 'qdq', 3), ['qdq.20250101-000001.layer.json', 'qdq.20250101-000001.profile.json', 'qdq.20250101-000001.log']);
  assert.deepEqual(historyToPrune(names, 'qdq', 1).sort(), names.filter((n) => n.startsWith('qdq.') && !n.startsWith('qdq.20250101-000003-2')).sort());
  assert.deepEqual(historyToPrune(names, 'ptq', 3), []);
});

test('keepPreviousBuild: a rebuild moves the previous layer info, profile and log to history/ (not the engine), keeping the last 3', async () => {
  const root = makeTempDir('qdq-history');
  const out = trtexecOutputs(path.join(root, 'yolov9t-qat.onnx'), 'qdq');
  // No previous build: nothing kept, a stale profile is removed.
  write(out.profile);
  assert.deepEqual(await keepPreviousBuild(out), { removed: [] });
  assert.ok(!fs.existsSync(out.profile));
  assert.ok(!fs.existsSync(path.join(out.dir, 'history')));

  const kept: string[] = [];
  const removedEach: string[][] = [];
  for (let i = 0; i < 5; i++) {
    write(out.layerInfo, `[${i}]`);
    write(out.profile, `[{"count":${i}}]`);
    write(out.log, `log ${i}`);
    write(out.engine, 'engine');
    // Builds 2 and 3 in the same second: the second gets `-2`.
    // Replaced at `when` (the history names when a build was replaced, not its files' times).
    const when = new Date(2025, 4, 1, 9, 30, i === 3 ? 2 : i);
    const { kept: moved, removed } = await keepPreviousBuild(out, undefined, () => when);
    assert.ok(moved, `build ${i} kept`);
    // Past the last 3, the oldest kept build's files go, and the caller is told which (their Problems entries go too).
    removedEach.push(removed.map((f) => path.relative(out.dir, f)).sort());
    kept.push(path.basename(moved));
    assert.ok(!fs.existsSync(out.layerInfo) && !fs.existsSync(out.profile) && !fs.existsSync(out.log), 'the current names are free for the new build');
    assert.ok(fs.existsSync(out.engine), 'the engine stays (trtexec overwrites it)');
    assert.equal(fs.readFileSync(moved, 'utf8'), `[${i}]`);
  }
  assert.deepEqual(kept, [
    'qdq.20250501-093000.layer.json',
    'qdq.20250501-093001.layer.json',
    'qdq.20250501-093002.layer.json',
    'qdq.20250501-093002-2.layer.json',
    'qdq.20250501-093004.layer.json',
  ]);
  assert.deepEqual(removedEach, [
    [],
    [],
    [],
    ['history/qdq.20250501-093000.layer.json', 'history/qdq.20250501-093000.log', 'history/qdq.20250501-093000.profile.json'],
    ['history/qdq.20250501-093001.layer.json', 'history/qdq.20250501-093001.log', 'history/qdq.20250501-093001.profile.json'],
  ]);
  for (const f of removedEach.flat()) assert.ok(!fs.existsSync(path.join(out.dir, f)), `${f} was deleted`);
  const history = fs.readdirSync(path.join(out.dir, 'history')).sort();
  assert.deepEqual(history, [
    'qdq.20250501-093002-2.layer.json',
    'qdq.20250501-093002-2.log',
    'qdq.20250501-093002-2.profile.json',
    'qdq.20250501-093002.layer.json',
    'qdq.20250501-093002.log',
    'qdq.20250501-093002.profile.json',
    'qdq.20250501-093004.layer.json',
    'qdq.20250501-093004.log',
    'qdq.20250501-093004.profile.json',
  ]);
  // The folder's builds, as the report and overlay list them, are the current ones only.
  write(out.layerInfo);
  write(path.join(out.dir, 'ptq.layer.json'));
  assert.deepEqual((await siblingBuilds(out.layerInfo)).map((s) => s.label), ['ptq']);
});

test('keepPreviousBuild: a build whose files carry an old time (copied with scp -p / rsync -a) is kept, named when it was replaced, and is the latest kept build', async () => {
  const root = makeTempDir('qdq-history-old');
  const out = trtexecOutputs(path.join(root, 'yolov9t-qat.onnx'), 'qdq');
  for (let i = 0; i < 3; i++) {
    write(out.layerInfo, `[${i}]`);
    assert.ok((await keepPreviousBuild(out, undefined, () => new Date(2025, 4, 1, 9, 30, i))).kept);
  }
  write(out.layerInfo, '[old]');
  setTime(out.layerInfo, new Date(2024, 5, 1));
  const { kept: moved } = await keepPreviousBuild(out, undefined, () => new Date(2025, 4, 1, 9, 31, 0));
  assert.ok(moved && fs.existsSync(moved), `the build just kept is there: ${moved}`);
  assert.equal(fs.readFileSync(moved, 'utf8'), '[old]');
  assert.equal(path.basename(moved), 'qdq.20250501-093100.layer.json');
  assert.equal(fs.readdirSync(path.join(out.dir, 'history')).filter((n) => n.endsWith('.layer.json')).length, 3);
});

test('comparableBuilds: a QAT build is offered the build before it, then its float twin\'s PTQ and FP16 baselines', async () => {
  const root = makeTempDir('qdq-compare');
  const models = path.join(root, 'models');
  for (const m of ['yolov9t-qat.onnx', 'yolov9t-fp32.onnx', 'yolov9s-qat.onnx']) write(path.join(models, m), 'onnx');
  const qat = path.join(models, 'yolov9t-qat.trtexec');
  write(path.join(qat, 'qdq.layer.json'));
  write(path.join(qat, 'qdq.log'));
  write(path.join(qat, 'history', 'qdq.20250501-093000.layer.json'));
  write(path.join(qat, 'history', 'qdq.20250501-093000.log'));
  write(path.join(qat, 'history', 'qdq.20250501-100000.layer.json'));
  write(path.join(models, 'yolov9t-fp32.trtexec', 'fp16.layer.json'));
  write(path.join(models, 'yolov9t-fp32.trtexec', 'ptq.layer.json'));
  write(path.join(models, 'yolov9t-fp32.trtexec', 'ptq.log'));
  write(path.join(models, 'yolov9s-qat.trtexec', 'qdq.layer.json'));
  write(path.join(models, 'yolov9t-qat.engine.layer.json'));
  write(path.join(models, 'yolov9t-qat.engine.profile.json'));

  const builds = await comparableBuilds(path.join(qat, 'qdq.layer.json'));
  assert.deepEqual(
    builds.map((b) => [b.kind, b.label]),
    [
      ['previous', 'previous qdq'],
      ['twin', 'yolov9t-fp32 · ptq'],
      ['twin', 'yolov9t-fp32 · fp16'],
      ['twin', 'yolov9s-qat · qdq'],
      ['loose', 'yolov9t-qat.engine'],
      ['history', 'qdq of 2025-05-01 09:30:00'],
    ],
  );
  assert.equal(builds[0]!.layerInfo, path.join(qat, 'history', 'qdq.20250501-100000.layer.json'));
  // When that build was made (its layer info's time), not when it was replaced (the stamp 10:00:00).
  fs.utimesSync(builds[0]!.layerInfo, new Date(2025, 4, 1, 9, 45, 7), new Date(2025, 4, 1, 9, 45, 7));
  const again = await comparableBuilds(path.join(qat, 'qdq.layer.json'));
  assert.equal(again[0]!.description, 'before this build, built 2025-05-01 09:45:07');
  assert.equal(builds[1]!.log, path.join(models, 'yolov9t-fp32.trtexec', 'ptq.log'));
  assert.equal(builds[4]!.profile, path.join(models, 'yolov9t-qat.engine.profile.json'));
  assert.equal(builds[5]!.log, path.join(qat, 'history', 'qdq.20250501-093000.log'));

  // A float baseline: its sibling first, then the QAT builds beside it; no history yet.
  const ptq = await comparableBuilds(path.join(models, 'yolov9t-fp32.trtexec', 'ptq.layer.json'));
  assert.deepEqual(ptq.slice(0, 2).map((b) => [b.kind, b.label]), [['sibling', 'fp16'], ['twin', 'yolov9t-qat · qdq']]);
  assert.ok(!ptq.some((b) => b.kind === 'previous'));

  // An earlier build: the current one is a sibling (not "previous"), the other kept build is history.
  const old = await comparableBuilds(path.join(qat, 'history', 'qdq.20250501-093000.layer.json'));
  assert.deepEqual(old.filter((b) => b.kind !== 'twin' && b.kind !== 'loose').map((b) => [b.kind, b.label, b.description]), [
    ['sibling', 'qdq', 'the current build'],
    ['history', 'qdq of 2025-05-01 10:00:00', 'earlier build, built 2025-05-01 09:45:07'],
  ]);

  // A layer info saved beside its model (yolov9-qat's naming): the builds of the folder's models.
  const loose = await comparableBuilds(path.join(models, 'yolov9t-qat.engine.layer.json'));
  assert.deepEqual(loose.slice(0, 3).map((b) => b.label), ['yolov9t-qat · qdq', 'yolov9t-fp32 · ptq', 'yolov9t-fp32 · fp16']);

  assert.deepEqual(await comparableBuilds(path.join(root, 'nowhere', 'x.layer.json')), []);
  assert.equal((await comparableBuilds(path.join(qat, 'qdq.layer.json'), 2)).length, 2, 'bounded');
});

test('modelOfEngineOutput: output folders, kept builds, and layer infos saved beside their model', () => {
  const models = new Set(['/w/models/yolov9t-qat.onnx', 'C:\\w\\m\\yolo.onnx', '/w/models/mobilenet.qat.onnx']);
  const exists = (p: string) => models.has(p);
  assert.equal(modelOfEngineOutput('/w/models/yolov9t-qat.trtexec/qdq.layer.json'), '/w/models/yolov9t-qat.onnx');
  assert.equal(modelOfEngineOutput('/w/models/yolov9t-qat.trtexec/history/qdq.20250501-093000.layer.json'), '/w/models/yolov9t-qat.onnx');
  // yolov9-qat's script, and plain `<stem>.layer.json`, beside the model.
  assert.equal(modelOfEngineOutput('/w/models/yolov9t-qat.engine.layer.json', exists), '/w/models/yolov9t-qat.onnx');
  assert.equal(modelOfEngineOutput('/w/models/yolov9t-qat.layer.json', exists), '/w/models/yolov9t-qat.onnx');
  assert.equal(modelOfEngineOutput('/w/models/yolov9t-qat.plan.layerinfo.json', exists), '/w/models/yolov9t-qat.onnx');
  // TREx: `<model>.onnx.engine.graph.json`.
  assert.equal(modelOfEngineOutput('/w/models/mobilenet.qat.onnx.engine.graph.json', exists), '/w/models/mobilenet.qat.onnx');
  assert.equal(modelOfEngineOutput('C:\\w\\m\\yolo.engine.layer.json', exists), 'C:\\w\\m\\yolo.onnx');
  // Only beside a model with that stem, and only when asked to look.
  assert.equal(modelOfEngineOutput('/w/elsewhere/qdq.layer.json', exists), undefined);
  assert.equal(modelOfEngineOutput('/w/models/yolov9t-qat.engine.layer.json'), undefined);
  assert.equal(modelOfEngineOutput('/w/models/yolov9t-qat.engine.profile.json', exists), undefined);
  assert.equal(modelOfEngineOutput('/w/models/history/qdq.20250501-093000.layer.json', exists), undefined);
});
