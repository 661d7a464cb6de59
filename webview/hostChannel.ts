/** The webview's end of the protocol: wraps `postMessage` with `src/protocol/channel`. */
import { Channel } from '../src/protocol/channel';
import { isToWebview, type FromWebview, type ToWebview } from '../src/protocol/messages';
import type { VsCodeApi } from './vscodeApi';

export class HostChannel {
  private readonly channel: Channel<FromWebview, ToWebview>;

  constructor(
    api: VsCodeApi,
    private readonly onMessage: (message: ToWebview) => void,
    target: Window = window,
  ) {
    this.channel = new Channel<FromWebview, ToWebview>((message) => api.postMessage(message));
    target.addEventListener('message', (event: MessageEvent<unknown>) => {
      const data = event.data;
      if (!isToWebview(data)) return; // not ours (VS Code also posts its own messages to the page)
      if (this.channel.receive(data)) return;
      this.onMessage(data);
    });
  }

  post(message: FromWebview): void {
    this.channel.post(message);
  }
}
