/**
 * One numeric-check job (open the models, build the samples, load ONNX Runtime, run, save): what
 * the worker thread executes. Node only, no `vscode`.
 */
import { openModelFile, type DecodedModel } from '../core/onnx/index';
import { listSampleFiles, loadSamples, modelInputs, randomSamples, runNumericCheck, type NumericProgress, type NumericResult } from '../core/numeric/index';
import { deriveReference } from '../core/numeric/reference';
import { loadOrt, ortRuntime } from './ortRuntime';
import type { NumericJob } from './protocol';
import { saveSensitivityResult } from './saveResult';

export async function runJob(job: NumericJob, onProgress: (p: NumericProgress) => void, signal?: AbortSignal): Promise<{ result: NumericResult; saved?: string }> {
  const opened: DecodedModel[] = [];
  try {
    const loaded = loadOrt(job.ortFolders);
    const qdq = openModelFile(job.model);
    opened.push(qdq);
    const reference = openModelFile(job.reference ?? job.model);
    opened.push(reference);
    if (!job.reference) deriveReference(reference);
    const inputs = modelInputs(qdq.model.graph ?? ({ input: [], initializer: [] } as never), qdq.file);
    const samples = 'dir' in job.inputs ? loadSamples(listSampleFiles(job.inputs.dir), inputs, qdq.file) : randomSamples(inputs, job.inputs.random, job.inputs.seed ?? 1);
    const result = await runNumericCheck({
      qdq,
      reference,
      referenceKind: job.reference ? 'file' : 'derived',
      samples,
      runtime: ortRuntime(loaded),
      memoryBudgetBytes: job.memoryBudgetBytes,
      onProgress,
      signal,
    });
    if (job.out) saveSensitivityResult(job.out, result, { command: 'QDQ Studio: Numeric Check (ONNX Runtime)' });
    return { result, saved: job.out };
  } finally {
    for (const d of opened) d.source.close?.();
  }
}
