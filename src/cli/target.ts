/**
 * The TensorRT target options `qdq lint` and `qdq edit --fix` share (`--trt 8|10`, `--precision
 * int8|fp8`, `--strongly-typed`, `--refit`), checked once: a bad value is reported through `fail`
 * (each command's own kind of usage error, exit 2).
 */
import type { AnalyzeOptions } from '../core/analysis/index';

export interface TargetFlags {
  trt?: string;
  precision?: string;
  'strongly-typed'?: boolean;
  refit?: boolean;
}

export function analysisTarget(values: TargetFlags, fail: (message: string) => Error): Pick<AnalyzeOptions, 'trt' | 'precision' | 'stronglyTyped' | 'refit'> {
  const trt = (values.trt ?? '10').replace(/\.x$/, '');
  if (trt !== '8' && trt !== '10') throw fail(`--trt must be 8 or 10 (got '${values.trt}')`);
  const precision = (values.precision ?? 'int8').toLowerCase();
  if (precision !== 'int8' && precision !== 'fp8') throw fail(`--precision must be int8 or fp8 (got '${values.precision}')`);
  return { trt: trt === '8' ? 8 : 10, precision, stronglyTyped: values['strongly-typed'] ?? false, refit: values.refit ?? false };
}
