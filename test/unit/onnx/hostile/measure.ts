/** Time and heap measurements for the resource-bound cases (no --expose-gc needed on the command line). */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

export interface Measured<T> {
  value: T | undefined;
  error: unknown;
  ms: number;
  /** CPU time of the process over the call (user + system, all threads), ms: unlike `ms`, not stretched by other processes. */
  cpuMs: number;
  /** heapUsed growth right after the call (includes garbage not yet collected). */
  heapDelta: number;
  /** heapUsed growth after a full GC while the result is still referenced. */
  retained: number;
}

/** Run `f` once, catching what it throws, and report time and heap growth. */
export function measure<T>(f: () => T): Measured<T> {
  gc();
  const h0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let value: T | undefined;
  let error: unknown;
  try {
    value = f();
  } catch (e) {
    error = e;
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const heapDelta = process.memoryUsage().heapUsed - h0;
  gc();
  const retained = process.memoryUsage().heapUsed - h0;
  return { value, error, ms, cpuMs, heapDelta, retained };
}

export const MB = 1024 * 1024;

export function describe(m: Measured<unknown>, size: number): string {
  const outcome = m.error ? `${(m.error as Error).name}: ${(m.error as Error).message.slice(0, 120)}` : 'decoded';
  return `${(size / MB).toFixed(1)} MB in ${m.ms.toFixed(0)} ms (CPU ${m.cpuMs.toFixed(0)} ms), heap +${(m.heapDelta / MB).toFixed(0)} MB (retained +${(m.retained / MB).toFixed(0)} MB = ${(m.retained / size).toFixed(1)}x): ${outcome}`;
}
