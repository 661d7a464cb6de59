// A restart of the window in the middle of a test (hot exit): VS Code reloads the workbench, a new
// extension host runs the suite again (index.ts), skipping the tests that already reported, and the
// test that asked for the restart runs again from its start, now past the restart. Not a test file
// itself: bundled into index.ts and the tests that use it.
//
// The state lives beside the results file the runner tails ($QDQ_TEST_RESULTS, one per run), so a
// run under a runner that sets none (test-electron) cannot restart, and says so.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { RESTARTING_ENV, note, sleep } from './support';

/** A restart asked for by `acrossRestart(key)`, and what the test carries over it. */
interface RestartMarker {
  readonly key: string;
  readonly data: unknown;
  /** Set by the run after the restart once the test picked it up: a second pick-up is a second restart. */
  readonly resumed: boolean;
}

function resultsFile(): string | undefined {
  return process.env.QDQ_TEST_RESULTS || undefined;
}

function markerFile(results: string): string {
  return `${results}.restart.json`;
}

function readMarker(results: string): RestartMarker | undefined {
  try {
    return JSON.parse(fs.readFileSync(markerFile(results), 'utf8')) as RestartMarker;
  } catch {
    return undefined;
  }
}

/**
 * The full titles of the tests that reported a result (passed, failed or skipped) earlier in this
 * run, before a restart of the window: the run after it leaves them out. Empty on a fresh run.
 */
export function testsDoneBeforeRestart(): Set<string> {
  const done = new Set<string>();
  const results = resultsFile();
  if (!results) return done;
  let text: string;
  try {
    text = fs.readFileSync(results, 'utf8');
  } catch {
    return done;
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const event = JSON.parse(line) as { event?: string; title?: string };
      if ((event.event === 'pass' || event.event === 'fail' || event.event === 'pending') && typeof event.title === 'string') done.add(event.title);
    } catch {
      // A line cut short by the restart: not a result.
    }
  }
  return done;
}

/**
 * Before the reload: VS Code records a backup's id when the extension's backup call returns, a
 * round trip after the extension wrote it (which is what a test can wait for).
 */
const SETTLE_MS = 1_000;

/** How long a window restart may take to start (the reload can be held while VS Code backs up dirty editors). */
const RESTART_START_MS = 10_000;

/**
 * Runs `before`, then restarts the window; the test runs again from its start after the restart,
 * and there this returns what `before` returned (plain JSON) without running it again. `key` names
 * the restart (unique per test). VS Code reloads the workbench as a user's Developer: Reload Window
 * does: with hot exit on, dirty editors are restored from their backups after. `before` waits for
 * the backups it needs: the workbench's veto of an unload over a backup not written yet needs the
 * browser's prompt, which the automated browser does not show without a user's gesture. A reload
 * that does not happen is asked again; one that never happens fails the test.
 */
export async function acrossRestart<T>(key: string, before: () => Promise<T>): Promise<T> {
  const results = resultsFile();
  if (!results) throw new Error('a window restart needs $QDQ_TEST_RESULTS to carry the run over it (the code-server runner, test/integration/runner/run.mjs, sets it)');
  const marker = readMarker(results);
  if (marker?.key === key) {
    if (marker.resumed) throw new Error(`the window restarted again after the restart "${key}" (the test ran a third time)`);
    fs.writeFileSync(markerFile(results), JSON.stringify({ ...marker, resumed: true }));
    note(`past the window restart "${key}"`);
    return marker.data as T;
  }
  const data = await before();
  fs.writeFileSync(markerFile(results), JSON.stringify({ key, data, resumed: false } satisfies RestartMarker));
  await sleep(SETTLE_MS);
  for (let attempt = 1; attempt <= 3; attempt++) {
    note(`restarting the window ("${key}", try ${attempt})`);
    // This extension host ends with the reload, its calls to VS Code cancelled meanwhile: what it
    // would report then (this test failing, its teardown) is not a result; the run after the
    // restart runs the test again.
    process.env[RESTARTING_ENV] = key;
    const asked = await vscode.commands.executeCommand('workbench.action.reloadWindow').then(
      () => true,
      () => false,
    );
    if (!asked) await new Promise<never>(() => undefined); // cancelled: the restart is under way
    await sleep(RESTART_START_MS);
    delete process.env[RESTARTING_ENV];
  }
  fs.rmSync(markerFile(results), { force: true });
  throw new Error(`the window did not restart ("${key}": asked 3 times)`);
}

