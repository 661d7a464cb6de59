// Entry point loaded by VS Code's extension host (`extensionTestsPath`). The same module runs
// under code-server (test/integration/runner/run.mjs, offline) and under @vscode/test-electron
// (test/integration/runner/electron.mjs, on a machine that can download VS Code).
//
// Besides mocha's spec reporter on the extension host console, every result is appended as one
// JSON line to $QDQ_TEST_RESULTS when that is set: the runner tails that file, so failures show
// up in the terminal that started the tests rather than only in the extension host log.
//
// A test may restart the window (windowRestart.ts: hot exit): the suite then runs again in the new
// extension host, without the tests that reported a result before the restart.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import { emitResult, note } from './support';
import { testsDoneBeforeRestart } from './windowRestart';

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'tdd',
    color: false,
    reporter: 'spec',
    timeout: Number(process.env.QDQ_TEST_CASE_TIMEOUT_MS) || 60_000,
    slow: 5_000,
  });
  if (process.env.QDQ_TEST_GREP) mocha.grep(process.env.QDQ_TEST_GREP);

  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  emitResult({ event: 'start', files });
  const done = testsDoneBeforeRestart();
  if (done.size > 0) {
    // Loaded here (CommonJS, as run() would), so the suites can be pruned before they run.
    const loading = mocha as unknown as { loadFiles(): void; lazyLoadFiles(lazy: boolean): void };
    loading.loadFiles();
    loading.lazyLoadFiles(true);
    const leaveOut = (suite: Mocha.Suite): void => {
      suite.tests = suite.tests.filter((t) => !done.has(t.fullTitle()));
      suite.suites.forEach(leaveOut);
    };
    leaveOut(mocha.suite);
    note(`the window restarted: running the tests after the ${done.size} that reported before it`);
  }

  return new Promise<void>((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        emitResult({ event: 'end', stats: runner.stats ?? null });
        if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
        else resolve();
      });
      runner.on('pass', (t) => emitResult({ event: 'pass', title: t.fullTitle(), durationMs: t.duration ?? 0 }));
      runner.on('fail', (t, err: unknown) =>
        emitResult({
          event: 'fail',
          title: t.fullTitle(),
          error: err instanceof Error ? (err.stack ?? err.message) : String(err),
        }),
      );
      runner.on('pending', (t) => emitResult({ event: 'pending', title: t.fullTitle() }));
    } catch (err) {
      emitResult({ event: 'fail', title: 'loading the suite', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      emitResult({ event: 'end', stats: null });
      reject(err);
    }
  });
}
