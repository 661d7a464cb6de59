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
  /** Stops the process (on POSIX its process group: what it started too): SIGTERM, then SIGKILL after `killMs`. */
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

/**
 * The process groups of the programs still running. Leading their own group also takes them out
 * of the extension host's: a signal to the host's group (Ctrl+C on a code-server started in a
 * terminal) no longer reaches them. So when the host ends normally (the extension deactivates, or
 * the process exits) they get SIGTERM. A host killed outright leaves them running until they
 * write to their closed output, as it always did for anything they started themselves.
 */
const liveGroups = new Set<number>();
let exitHooked = false;

/** SIGTERM to every program still running (deactivate, and the host's exit). */
export function stopAllProcesses(): void {
  for (const pid of liveGroups) {
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      // gone already
    }
  }
  liveGroups.clear();
}

export function startProcess(cl: CommandLine, handlers: RunHandlers, grace: StopGrace = STOP_GRACE): RunningProcess {
  let child: ChildProcess;
  const env = cl.env ? { ...process.env, ...cl.env } : process.env;
  // On POSIX the program leads its own process group, as a shell's job does, so Ctrl+C and Stop
  // reach what it started too: a wrapper (`conda run`, a launcher script) and its Python, a
  // DataLoader's workers. Signalling only the direct child left those running (or orphaned).
  const group = process.platform !== 'win32';
  try {
    child = spawn(cl.command, cl.args, { cwd: cl.cwd, env, shell: false, windowsHide: true, stdio: ['ignore', 'pipe', 'pipe'], detached: group });
  } catch (e) {
    return { done: Promise.resolve({ code: undefined, startError: describeStartError(cl, e) }), kill: () => undefined, interrupt: () => undefined };
  }
  if (group && child.pid !== undefined) {
    liveGroups.add(child.pid);
    if (!exitHooked) {
      exitHooked = true;
      process.once('exit', stopAllProcesses);
    }
  }
  const decoders = { stdout: new TextDecoder('utf-8'), stderr: new TextDecoder('utf-8') };
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]?.on('data', (chunk: Buffer) => handlers.onOutput(decoders[stream].decode(chunk, { stream: true }), stream));
  }
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  let interruptTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set once the program ended and every process holding its output let go of it. */
  let closed = false;
  /** The signal to the program's process group (the program alone where there are none, or once the group is gone). */
  const signal = (sig: NodeJS.Signals): void => {
    if (closed) return;
    if (group && child.pid !== undefined) {
      try {
        process.kill(-child.pid, sig);
        return;
      } catch {
        // The group is gone (ESRCH): the program itself may still be there.
      }
    }
    child.kill(sig);
  };
  const done = new Promise<RunResult>((resolve) => {
    let startError: string | undefined;
    child.on('error', (e) => {
      startError = describeStartError(cl, e);
    });
    child.on('close', (code, signal) => {
      closed = true;
      if (child.pid !== undefined) liveGroups.delete(child.pid);
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
  // Until 'close', something may still hold the output open (a process the program started):
  // stopping signals the group until then, not only while the program itself runs.
  const kill = () => {
    if (closed || killTimer) return;
    clearTimeout(interruptTimer);
    signal('SIGTERM');
    killTimer = setTimeout(() => signal('SIGKILL'), grace.killMs);
  };
  return {
    done,
    kill,
    interrupt() {
      if (closed || killTimer) return;
      // Every Ctrl+C is a SIGINT, as in a shell; the escalation counts from the first.
      signal('SIGINT');
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
