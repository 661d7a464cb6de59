/**
 * Entry of the numeric-check worker thread (bundled as dist/numericWorker.js). The extension host
 * starts one per run with the job as `workerData`; ONNX Runtime and the models live and die with
 * this thread, so nothing of a run stays in the extension host.
 *
 * Cancelling is cooperative: the host posts `cancel`, the run stops after the inference in flight,
 * releases its sessions and the thread ends on its own. Terminating a thread while ONNX Runtime is
 * running in it can abort the whole process (onnxruntime-node throws a Napi::Error during the
 * teardown: "terminate called after throwing an instance of 'Napi::Error'", about one run in
 * eight here), and in the extension that process is the extension host.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { NumericCancelledError } from '../core/numeric/index';
import type { FromWorker, NumericJob, ToWorker } from './protocol';
import { OrtNotFoundError } from './ortRuntime';
import { runJob } from './runJob';

const post = (m: FromWorker): void => parentPort?.postMessage(m);
const controller = new AbortController();
const onMessage = (m: ToWorker): void => {
  if (m?.type === 'cancel') controller.abort();
};
parentPort?.on('message', onMessage);

runJob(workerData as NumericJob, (progress) => post({ type: 'progress', progress }), controller.signal)
  .then(({ result, saved }) => post({ type: 'result', result, ...(saved ? { saved } : {}) }))
  .catch((e: unknown) =>
    post(e instanceof NumericCancelledError ? { type: 'cancelled' } : { type: 'error', message: String((e as Error)?.message ?? e).split('\n')[0]!, ortMissing: e instanceof OrtNotFoundError }),
  )
  .finally(() => parentPort?.off('message', onMessage)); // nothing left to wait for: the thread ends
