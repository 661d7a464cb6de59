/** Messages between the extension host and the numeric-check worker thread (plain data). */
import type { NumericProgress, NumericResult } from '../core/numeric/index';

export interface NumericJob {
  readonly model: string;
  /** FP32 model; absent: derived from `model` by removing its Q/DQ pairs. */
  readonly reference?: string;
  /** Folder of sample files, or N seeded random inputs. */
  readonly inputs: { readonly dir: string } | { readonly random: number; readonly seed?: number };
  /** Folders to look for onnxruntime-node in, first match wins (then normal resolution). */
  readonly ortFolders: readonly string[];
  readonly memoryBudgetBytes?: number;
  /** Where to save the `.qdq-sensitivity.json` (atomically), if anywhere. */
  readonly out?: string;
}

/** Host -> worker: stop after the inference running now (sessions released, then the thread ends). */
export type ToWorker = { readonly type: 'cancel' };

export type FromWorker =
  | { readonly type: 'progress'; readonly progress: NumericProgress }
  | { readonly type: 'cancelled' }
  | { readonly type: 'result'; readonly result: NumericResult; readonly saved?: string }
  | { readonly type: 'error'; readonly message: string; readonly ortMissing: boolean };
