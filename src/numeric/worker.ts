/**
 * Entry of the numeric-check worker thread (bundled as dist/numericWorker.js). The extension host
 * starts one per run with the job as `workerData` and terminates it to cancel; ONNX Runtime and the
 * models live and die with this thread, so nothing of a run stays in the extension host.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FromWorker, NumericJob } from './protocol';
import { OrtNotFoundError } from './ortRuntime';
import { runJob } from './runJob';

const post = (m: FromWorker): void => parentPort?.postMessage(m);

runJob(workerData as NumericJob, (progress) => post({ type: 'progress', progress }))
  .then(({ result, saved }) => post({ type: 'result', result, ...(saved ? { saved } : {}) }))
  .catch((e: unknown) => post({ type: 'error', message: String((e as Error)?.message ?? e).split('\n')[0]!, ortMissing: e instanceof OrtNotFoundError }));
