import * as vscode from 'vscode';
import type { GraphOverlayDto, OverlaysMessage } from '../protocol/overlay';
import { Disposable } from '../util/dispose';

export type { GraphOverlayDto, OverlayLegendEntryDto, OverlayNodeDto } from '../protocol/overlay';

export interface OverlayChange {
  /** The document URI (string form). */
  readonly uri: string;
  readonly source: string;
}

/**
 * Graph overlays by document and source. Features put what they know about nodes here
 * ('analysis': predicted precision and findings; 'sensitivity'; 'engine': actual precision from a
 * trtexec report); every open graph view of the document receives all of them (`overlays`
 * message), colours by one source (the user picks) and shows the badges of all.
 *
 * `set(uri, source, undefined)` removes a source. Documents are keyed by `Uri.toString()`.
 */
export class OverlayService extends Disposable {
  private readonly byDocument = new Map<string, Map<string, GraphOverlayDto>>();
  private readonly _onDidChange = this._register(new vscode.EventEmitter<OverlayChange>());
  /** Fires after a source of a document was set or removed. */
  readonly onDidChange = this._onDidChange.event;

  set(documentUri: string | vscode.Uri, source: string, overlay: GraphOverlayDto | undefined): void {
    const uri = typeof documentUri === 'string' ? documentUri : documentUri.toString();
    let sources = this.byDocument.get(uri);
    if (overlay === undefined) {
      if (!sources?.delete(source)) return;
      if (sources.size === 0) this.byDocument.delete(uri);
    } else {
      if (!sources) this.byDocument.set(uri, (sources = new Map()));
      sources.set(source, overlay);
    }
    this._onDidChange.fire({ uri, source });
  }

  get(documentUri: string | vscode.Uri, source: string): GraphOverlayDto | undefined {
    return this.byDocument.get(typeof documentUri === 'string' ? documentUri : documentUri.toString())?.get(source);
  }

  /** Every source of the document (possibly none). */
  all(documentUri: string | vscode.Uri): Record<string, GraphOverlayDto> {
    const sources = this.byDocument.get(typeof documentUri === 'string' ? documentUri : documentUri.toString());
    return sources ? Object.fromEntries(sources) : {};
  }

  /** The message that brings a panel's overlays up to date. */
  message(documentUri: string | vscode.Uri): OverlaysMessage {
    return { type: 'overlays', overlays: this.all(documentUri) };
  }

  /** Drops every source of a document (it was closed). */
  clear(documentUri: string | vscode.Uri): void {
    const uri = typeof documentUri === 'string' ? documentUri : documentUri.toString();
    const sources = this.byDocument.get(uri);
    if (!sources) return;
    this.byDocument.delete(uri);
    for (const source of sources.keys()) this._onDidChange.fire({ uri, source });
  }
}
