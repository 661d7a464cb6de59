/**
 * Temporary folders for tests that are removed when the test process exits (node:test runs each
 * file in its own process), so test runs leave nothing behind in the system temp folder.
 * Set QDQ_KEEP_TMP=1 to keep them for debugging.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const created: string[] = [];
let hooked = false;

export function makeTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix.endsWith('-') ? prefix : `${prefix}-`));
  created.push(dir);
  if (!hooked && process.env.QDQ_KEEP_TMP !== '1') {
    hooked = true;
    process.on('exit', removeTempDirs);
  }
  return dir;
}

/** Removes every folder made by makeTempDir so far (also run automatically at exit). */
export function removeTempDirs(): void {
  while (created.length) {
    const dir = created.pop()!;
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort: a folder still in use on exit is left to the OS
    }
  }
}
