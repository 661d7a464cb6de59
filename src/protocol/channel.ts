/**
 * A tiny typed request/response helper over a one-way `post` function, used by both the host and
 * the webview. A request gets a fresh `requestId`; the other side answers with a message whose
 * `inReplyTo` is that id. Feed every incoming message to `receive()`; it settles the matching
 * request and tells you whether the message was a reply. No `vscode`, no DOM.
 */

export interface Tagged {
  readonly type: string;
}

/** The members of a message union that are requests (carry a `requestId`). */
export type RequestOf<T> = Extract<T, { readonly requestId: number }>;
/** The members of a message union that are replies (carry an `inReplyTo`). */
export type ReplyOf<T> = Extract<T, { readonly inReplyTo: number }>;
/** `Omit` that distributes over a union. */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What `post` may return: nothing, or (like `Webview.postMessage`) a promise of "delivered". */
export type PostFunction<T> = (message: T) => void | PromiseLike<boolean>;

export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface ChannelOptions {
  /** Timeout of `request()` when none is given. Default 10 000 ms. */
  readonly defaultTimeoutMs?: number;
  /** Injectable timers (tests). Default: global `setTimeout` / `clearTimeout`. */
  readonly timers?: Timers;
}

export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
  constructor(
    readonly requestType: string,
    readonly timeoutMs: number,
  ) {
    super(`No reply to '${requestType}' within ${timeoutMs} ms`);
  }
}

export class ChannelClosedError extends Error {
  override readonly name = 'ChannelClosedError';
}

interface Pending {
  readonly requestType: string;
  readonly replyType: string;
  readonly timer: unknown;
  resolve(message: unknown): void;
  reject(error: Error): void;
}

const defaultTimers: Timers = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

function isThenable(value: unknown): value is PromiseLike<boolean> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

export class Channel<TOut extends Tagged, TIn extends Tagged> {
  private nextRequestId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedReason: string | undefined;
  private readonly defaultTimeoutMs: number;
  private readonly timers: Timers;

  constructor(
    private readonly postFn: PostFunction<TOut>,
    options: ChannelOptions = {},
  ) {
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 10_000;
    this.timers = options.timers ?? defaultTimers;
  }

  /** Number of requests still waiting for a reply. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Sends a message that expects no reply. */
  post(message: TOut): void {
    if (this.closedReason !== undefined) return;
    const result = this.postFn(message);
    if (isThenable(result)) {
      // Delivery failures of fire-and-forget messages are not actionable; avoid unhandled rejections.
      result.then(undefined, () => undefined);
    }
  }

  /**
   * Sends a request and resolves with the reply of type `replyType`. Rejects with
   * `RequestTimeoutError` when no reply arrives in time, with `ChannelClosedError` when the channel
   * closes first or the message could not be delivered, and with an `Error` when the reply has
   * another type.
   */
  request<TType extends ReplyOf<TIn>['type']>(
    message: DistributiveOmit<RequestOf<TOut>, 'requestId'>,
    replyType: TType,
    timeoutMs: number = this.defaultTimeoutMs,
  ): Promise<Extract<TIn, { readonly type: TType }>> {
    if (this.closedReason !== undefined) {
      return Promise.reject(new ChannelClosedError(this.closedReason));
    }
    const requestId = this.nextRequestId++;
    const requestType = message.type;
    return new Promise<Extract<TIn, { readonly type: TType }>>((resolve, reject) => {
      const timer = this.timers.set(() => {
        if (this.pending.delete(requestId)) reject(new RequestTimeoutError(requestType, timeoutMs));
      }, timeoutMs);
      this.pending.set(requestId, {
        requestType,
        replyType,
        timer,
        resolve: resolve as (message: unknown) => void,
        reject,
      });
      const fail = (error: Error): void => {
        const entry = this.pending.get(requestId);
        if (!entry) return;
        this.pending.delete(requestId);
        this.timers.clear(entry.timer);
        reject(error);
      };
      try {
        const result = this.postFn({ ...message, requestId } as unknown as TOut);
        if (isThenable(result)) {
          result.then(
            (delivered) => {
              if (delivered === false) fail(new ChannelClosedError(`'${requestType}' could not be delivered`));
            },
            (error: unknown) => fail(error instanceof Error ? error : new Error(String(error))),
          );
        }
      } catch (error) {
        fail(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /**
   * Feed every incoming message here. Returns true when the message was a reply to one of our
   * pending requests (and settles it); false for everything else, which the caller handles.
   */
  receive(message: TIn): boolean {
    const inReplyTo = (message as { inReplyTo?: unknown }).inReplyTo;
    if (typeof inReplyTo !== 'number') return false;
    const entry = this.pending.get(inReplyTo);
    if (!entry) return false;
    this.pending.delete(inReplyTo);
    this.timers.clear(entry.timer);
    if (message.type === entry.replyType) {
      entry.resolve(message);
    } else {
      entry.reject(
        new Error(`Reply to '${entry.requestType}' has type '${message.type}', expected '${entry.replyType}'`),
      );
    }
    return true;
  }

  /** Rejects every pending request and refuses new ones. Idempotent. */
  close(reason = 'channel closed'): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (const entry of entries) {
      this.timers.clear(entry.timer);
      entry.reject(new ChannelClosedError(`${reason} before '${entry.requestType}' was answered`));
    }
  }
}
