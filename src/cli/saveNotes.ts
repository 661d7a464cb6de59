/**
 * What `qdq save` and `qdq edit -o` say on stderr about a save, in the same words: a symbolic link
 * the save replaced, and the external data files the saved model cannot read from where it was
 * written (data files are never copied).
 */
import type { DetachedDataFile } from '../core/onnx/index';

/** The stderr line of a save that replaced a symbolic link. */
export function replacedLinkLine(command: string, output: string, linkTarget: string): string {
  return `${command}: ${output} was a link to ${linkTarget}; it is now a file of its own (${linkTarget} is unchanged)`;
}

/** One stderr line per data file the model saved as `output` cannot use (`detachedDataFiles`, asked before the save). */
export function detachedDataLines(command: string, output: string, detached: readonly DetachedDataFile[]): string[] {
  return detached.map((f) => {
    const what =
      f.problem === 'missing' ? `which is not beside it: copy ${f.from} to ${f.to}`
      : f.problem === 'short' ? `which is cut short there: copy ${f.from} over ${f.to}`
      : `which is a link leading out of its folder there: replace the link ${f.to} with a copy of ${f.from}`;
    return `${command}: ${output} reads its external data from '${f.location}', ${what}`;
  });
}
