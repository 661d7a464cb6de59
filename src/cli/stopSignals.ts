/**
 * Ctrl-C, a CI job's SIGTERM, a closed terminal's SIGHUP while `qdq` writes a model. A save runs
 * synchronously, and Node runs a signal handler only when its event loop turns, so:
 * - handlers are installed only around a save (`whileSaving`): at any other time a signal keeps its
 *   default action and stops `qdq` at once (a handler installed for the whole run would defer every
 *   signal to the end of a synchronous command: a 20 s lint could not be stopped);
 * - a signal that came during the save is handled right after it, in the one turn of the event loop
 *   `whileSaving` waits for (the loop would otherwise exit without looking): the save has finished
 *   (the target is wholly the old or wholly the new model), the temporary file of any save still in
 *   progress is removed (the core's abandonSaves), and `qdq` exits 128 + the signal's number, as a
 *   shell reports a process a signal stopped. Without a handler the signal killed the process in the
 *   middle of the save, leaving a hidden temporary file of the model's size beside the target.
 */
import * as os from 'node:os';
import { abandonSaves } from '../core/onnx/index';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export async function whileSaving<T>(save: () => T, proc: NodeJS.EventEmitter = process, exit: (code: number) => void = (code) => process.exit(code)): Promise<T> {
  const handlers = STOP_SIGNALS.map((signal) => {
    const h = (): void => {
      abandonSaves();
      exit(128 + os.constants.signals[signal]);
    };
    proc.on(signal, h);
    return [signal, h] as const;
  });
  try {
    return save();
  } finally {
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (const [signal, h] of handlers) proc.off(signal, h);
  }
}
