/**
 * The TensorRT target options `qdq lint`, `qdq edit --fix` and `qdq engine --model` share (`--trt 8|10`, `--precision
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
  // The major version, as written or as the first part of a full one: users type the version they
  // run (8.6, 8.6.1, 10.3.0.26) as often as the family (8, 8.x).
  const trt = /^(\d+)(?:\.x|(?:\.\d+)+)?$/.exec((values.trt ?? '10').trim())?.[1];
  if (trt !== '8' && trt !== '10') throw fail(`--trt must be 8 or 10, or a version of them such as 8.6.1 or 10.3 (got '${values.trt}')`);
  const precision = (values.precision ?? 'int8').toLowerCase();
  if (precision !== 'int8' && precision !== 'fp8') throw fail(`--precision must be int8 or fp8 (got '${values.precision}')`);
  return { trt: trt === '8' ? 8 : 10, precision, stronglyTyped: values['strongly-typed'] ?? false, refit: values.refit ?? false };
}
