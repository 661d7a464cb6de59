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
  /** Stops the process: SIGTERM, then SIGKILL after `killMs`. */
  kill(): void;
  /**
   * Interrupts the process as Ctrl+C in a shell does: SIGINT (Python raises KeyboardInterrupt,
   * prints its traceback and cleans up); if it has not ended after `interruptMs`, `kill()`.
   */
  interrupt(): void;
}

/** How long a stopped process gets before the next, harder signal. */
export interface StopGrace {
  /** SIGINT (Ctrl+C) → SIGTERM. */
  interruptMs: number;
  /** SIGTERM → SIGKILL. */
  killMs: number;
}

export const STOP_GRACE: StopGrace = { interruptMs: 5000, killMs: 3000 };

export function startProcess(cl: CommandLine, handlers: RunHandlers, grace: StopGrace = STOP_GRACE): RunningProcess {
  let child: ChildProcess;
  const env = cl.env ? { ...process.env, ...cl.env } : process.env;
  try {
    child = spawn(cl.command, cl.args, { cwd: cl.cwd, env, shell: false, windowsHide: true, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    return { done: Promise.resolve({ code: undefined, startError: describeStartError(cl, e) }), kill: () => undefined, interrupt: () => undefined };
  }
  const decoders = { stdout: new TextDecoder('utf-8'), stderr: new TextDecoder('utf-8') };
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]?.on('data', (chunk: Buffer) => handlers.onOutput(decoders[stream].decode(chunk, { stream: true }), stream));
  }
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  let interruptTimer: ReturnType<typeof setTimeout> | undefined;
  const done = new Promise<RunResult>((resolve) => {
    let startError: string | undefined;
    child.on('error', (e) => {
      startError = describeStartError(cl, e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(killTimer);
      clearTimeout(interruptTimer);
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
  const ended = () => child.exitCode !== null || child.signalCode !== null;
  const kill = () => {
    if (ended() || killTimer) return;
    clearTimeout(interruptTimer);
    child.kill('SIGTERM');
    killTimer = setTimeout(() => child.kill('SIGKILL'), grace.killMs);
  };
  return {
    done,
    kill,
    interrupt() {
      if (ended() || killTimer) return;
      // Every Ctrl+C is a SIGINT, as in a shell; the escalation counts from the first.
      child.kill('SIGINT');
      interruptTimer ??= setTimeout(kill, grace.interruptMs);
    },
  };
}

function describeStartError(cl: CommandLine, e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return `cannot run ${cl.command}: no such program${cl.cwd ? ` (or the folder ${cl.cwd} does not exist)` : ''}`;
  if (code === 'EACCES') return `cannot run ${cl.command}: permission denied (is it executable?)`;
  return `cannot run ${cl.command}: ${(e as Error)?.message ?? String(e)}`;
}
