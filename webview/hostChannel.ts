/** The webview's end of the protocol: wraps `postMessage` with `src/protocol/channel`. */
import { Channel, type DistributiveOmit, type RequestOf } from '../src/protocol/channel';
import { isToWebview, type FromWebview, type ToWebview } from '../src/protocol/messages';
import { unpackGraphView } from '../src/protocol/graphView';
import type { VsCodeApi } from './vscodeApi';

export class HostChannel {
  private readonly channel: Channel<FromWebview, ToWebview>;

  constructor(
    api: VsCodeApi,
    private readonly onMessage: (message: ToWebview) => void,
    target: Window = window,
    /** Sees every message first with its arrival time (first-paint measurement). */
    private readonly onArrival?: (message: ToWebview, at: number) => void,
  ) {
    this.channel = new Channel<FromWebview, ToWebview>((message) => api.postMessage(message), { defaultTimeoutMs: 120_000 });
    target.addEventListener('message', (event: MessageEvent<unknown>) => {
      const at = performance.now();
      const raw = event.data;
      if (!isToWebview(raw)) return; // not ours (VS Code also posts its own messages to the page)
      const data = raw.type === 'graphView' ? unpackGraphView(raw) : raw;
      this.onArrival?.(data, at);
      if (this.channel.receive(data)) return;
      this.onMessage(data);
    });
  }

  post(message: FromWebview): void {
    this.channel.post(message);
  }

  request<T extends Extract<ToWebview, { readonly inReplyTo: number }>['type']>(
    message: DistributiveOmit<RequestOf<FromWebview>, 'requestId'>,
    replyType: T,
  ): Promise<Extract<ToWebview, { readonly type: T }>> {
    return this.channel.request(message, replyType);
  }
}
