import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Channel, ChannelClosedError, RequestTimeoutError, type Timers } from '../../../src/protocol/channel';
import { isFromWebview, isToWebview, type FromWebview, type ToWebview } from '../../../src/protocol/messages';

/** Manual timers: `fire()` runs every pending callback. */
function manualTimers(): Timers & { fire(): void; pending(): number } {
  const callbacks = new Map<number, () => void>();
  let next = 1;
  return {
    set(callback) {
      const id = next++;
      callbacks.set(id, callback);
      return id;
    },
    clear(handle) {
      callbacks.delete(handle as number);
    },
    fire() {
      const all = [...callbacks.values()];
      callbacks.clear();
      for (const cb of all) cb();
    },
    pending: () => callbacks.size,
  };
}

const report = { status: 'ready', nodeCount: 7, cspViolations: [] } as const;

describe('Channel', () => {
  it('gives each request a fresh id and resolves it with the matching reply', async () => {
    const sent: ToWebview[] = [];
    const timers = manualTimers();
    const host = new Channel<ToWebview, FromWebview>((m) => void sent.push(m), { timers });
    const first = host.request({ type: 'query' }, 'queryResult');
    const second = host.request({ type: 'query' }, 'queryResult');
    assert.deepEqual(sent, [
      { type: 'query', requestId: 1 },
      { type: 'query', requestId: 2 },
    ]);
    assert.equal(host.pendingCount, 2);
    // Replies may arrive out of order.
    assert.equal(host.receive({ type: 'queryResult', inReplyTo: 2, report: { ...report, nodeCount: 2 } }), true);
    assert.equal(host.receive({ type: 'queryResult', inReplyTo: 1, report: { ...report, nodeCount: 1 } }), true);
    assert.equal((await first).report.nodeCount, 1);
    assert.equal((await second).report.nodeCount, 2);
    assert.equal(host.pendingCount, 0);
    assert.equal(timers.pending(), 0, 'timeouts are cleared once answered');
  });

  it('does not consume messages that are not replies to pending requests', () => {
    const host = new Channel<ToWebview, FromWebview>(() => undefined, { timers: manualTimers() });
    assert.equal(host.receive({ type: 'ready' }), false);
    assert.equal(host.receive({ type: 'queryResult', inReplyTo: 99, report }), false);
  });

  it('rejects with RequestTimeoutError when no reply arrives', async () => {
    const timers = manualTimers();
    const host = new Channel<ToWebview, FromWebview>(() => undefined, { timers, defaultTimeoutMs: 10_000 });
    const pending = host.request({ type: 'query' }, 'queryResult');
    timers.fire();
    await assert.rejects(pending, (e: unknown) => e instanceof RequestTimeoutError && e.timeoutMs === 10_000 && /query/.test(e.message));
    // A late reply is then not consumed.
    assert.equal(host.receive({ type: 'queryResult', inReplyTo: 1, report }), false);
  });

  it('rejects a reply of the wrong type', async () => {
    type Out = { type: 'ask'; requestId: number };
    type In = { type: 'answer'; inReplyTo: number } | { type: 'other'; inReplyTo: number };
    const ch = new Channel<Out, In>(() => undefined, { timers: manualTimers() });
    const pending = ch.request({ type: 'ask' }, 'answer');
    assert.equal(ch.receive({ type: 'other', inReplyTo: 1 }), true);
    await assert.rejects(pending, /has type 'other', expected 'answer'/);
  });

  it('rejects pending and new requests once closed', async () => {
    const host = new Channel<ToWebview, FromWebview>(() => undefined, { timers: manualTimers() });
    const pending = host.request({ type: 'query' }, 'queryResult');
    host.close('the panel was closed');
    await assert.rejects(pending, (e: unknown) => e instanceof ChannelClosedError && /panel was closed/.test(e.message));
    await assert.rejects(host.request({ type: 'query' }, 'queryResult'), ChannelClosedError);
    host.close(); // idempotent
  });

  it('rejects when the post function reports the message was not delivered', async () => {
    const host = new Channel<ToWebview, FromWebview>(() => Promise.resolve(false), { timers: manualTimers() });
    await assert.rejects(host.request({ type: 'query' }, 'queryResult'), /could not be delivered/);
    assert.equal(host.pendingCount, 0);
  });

  it('rejects when the post function throws', async () => {
    const host = new Channel<ToWebview, FromWebview>(() => {
      throw new Error('webview disposed');
    }, { timers: manualTimers() });
    await assert.rejects(host.request({ type: 'query' }, 'queryResult'), /webview disposed/);
  });

  it('post() swallows delivery failures of fire-and-forget messages', async () => {
    const host = new Channel<FromWebview, ToWebview>(() => Promise.reject(new Error('gone')), { timers: manualTimers() });
    host.post({ type: 'ready' });
    await new Promise((r) => setImmediate(r)); // no unhandled rejection
  });
});

describe('message guards', () => {
  it('accepts well-formed webview messages', () => {
    assert.equal(isFromWebview({ type: 'ready' }), true);
    assert.equal(isFromWebview({ type: 'command', command: 'retry' }), true);
    assert.equal(isFromWebview({ type: 'queryResult', inReplyTo: 3, report }), true);
    assert.equal(isFromWebview({ type: 'webviewError', message: 'boom' }), true);
  });

  it('rejects malformed webview messages', () => {
    for (const bad of [
      null,
      'ready',
      [],
      { type: 'nope' },
      { type: 'command', command: 'rm -rf' },
      { type: 'queryResult', inReplyTo: '3', report },
      { type: 'queryResult', inReplyTo: 3, report: { status: 'weird', cspViolations: [] } },
      { type: 'queryResult', inReplyTo: 3, report: { status: 'ready' } },
      { type: 'webviewError' },
    ]) {
      assert.equal(isFromWebview(bad), false, JSON.stringify(bad));
    }
  });

  it('checks host messages', () => {
    assert.equal(isToWebview({ type: 'query', requestId: 1 }), true);
    assert.equal(isToWebview({ type: 'loadError', uri: 'file:///a.onnx', file: '/a.onnx', message: '/a.onnx: bad' }), true);
    assert.equal(isToWebview({ type: 'init', uri: 'u', fileName: 'a.onnx', fileSize: 1, summary: {} }), true);
    assert.equal(isToWebview({ type: 'init', uri: 'u' }), false);
    assert.equal(isToWebview({ type: 'query' }), false);
    assert.equal(isToWebview({ data: 1 }), false);
  });
});
