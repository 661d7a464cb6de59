/**
 * Write a numeric check's result as a `.qdq-sensitivity.json` file, atomically: the text goes to a
 * temporary file beside the target, is flushed, and renamed over it; on failure the temporary file
 * is removed and the target is untouched. Node only (the CLI and the extension host use it).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { toSensitivityJson, type NumericResult, type SensitivityJsonOptions } from '../core/numeric/index';

export function writeTextAtomic(file: string, text: string): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', 0o644);
    fs.writeFileSync(fd, text);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw new Error(`${file}: cannot save: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function saveSensitivityResult(file: string, result: NumericResult, o: SensitivityJsonOptions = {}): void {
  writeTextAtomic(file, `${JSON.stringify(toSensitivityJson(result, o), null, 2)}\n`);
}
