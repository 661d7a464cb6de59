/**
 * Runs one command line as an argument list: `spawn(command, args)` with no shell, so every
 * argument reaches the program as written (spaces, quotes, `$()`, backticks, `;` included) and
 * nothing else runs. Output is handed out as it arrives. No `vscode` here: the trtexec task's
 * pseudoterminal uses it, and unit tests run the stand-ins through it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { CommandLine } from '../core/tasks/index';

export interface RunHandlers {
  /** Output as it arrives (stdout and stderr interleaved as received), decoded as UTF-8. */
  onOutput(text: string, stream: 'stdout' | 'stderr'): void;
}

export interface RunResult {
  /** The exit code; undefined when the process did not start or was killed by a signal. */
  code: number | undefined;
  signal?: NodeJS.Signals;
  /** Set when the process could not start (missing program, not executable, bad folder). */
  startError?: string;
}

export interface RunningProcess {
  readonly done: Promise<RunResult>;
  /** Stops the process (SIGTERM, then SIGKILL after 3 s). */
  kill(): void;
}

export function startProcess(cl: CommandLine, handlers: RunHandlers): RunningProcess {
  let child: ChildProcess;
  const env = cl.env ? { ...process.env, ...cl.env } : process.env;
  try {
    child = spawn(cl.command, cl.args, { cwd: cl.cwd, env, shell: false, windowsHide: true, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    return { done: Promise.resolve({ code: undefined, startError: describeStartError(cl, e) }), kill: () => undefined };
  }
  const decoders = { stdout: new TextDecoder('utf-8'), stderr: new TextDecoder('utf-8') };
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]?.on('data', (chunk: Buffer) => handlers.onOutput(decoders[stream].decode(chunk, { stream: true }), stream));
  }
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const done = new Promise<RunResult>((resolve) => {
    let startError: string | undefined;
    child.on('error', (e) => {
      startError = describeStartError(cl, e);
    });
    child.on('close', (code, signal) => {
      if (killTimer) clearTimeout(killTimer);
      for (const stream of ['stdout', 'stderr'] as const) {
        const rest = decoders[stream].decode();
        if (rest) handlers.onOutput(rest, stream);
      }
      // A process that never started reports a negative errno as its code: not an exit code.
      const result: RunResult = { code: startError ? undefined : (code ?? undefined) };
      if (signal) result.signal = signal;
      if (startError) result.startError = startError;
      resolve(result);
    });
  });
  return {
    done,
    kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 3000);
    },
  };
}

function describeStartError(cl: CommandLine, e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return `cannot run ${cl.command}: no such program${cl.cwd ? ` (or the folder ${cl.cwd} does not exist)` : ''}`;
  if (code === 'EACCES') return `cannot run ${cl.command}: permission denied (is it executable?)`;
  return `cannot run ${cl.command}: ${(e as Error)?.message ?? String(e)}`;
}
