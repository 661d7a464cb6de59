import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/** Options for a model-view webview: scripts on, resources only from `dist/` and `media/`. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

/** A fresh nonce for one page load (128 random bits, base64 without padding). */
export function createNonce(): string {
  return randomBytes(16).toString('base64').replace(/=+$/, '');
}

/**
 * The strict Content-Security-Policy of the webview. No `unsafe-inline` anywhere: the
 * vscode-elements components style themselves with constructable stylesheets (adopted by their
 * shadow roots), which `style-src` does not govern, and our code sets dynamic sizes through the
 * CSSOM, never through `style` attributes.
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ') + ';';
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface WebviewShellOptions {
  /** Base name of the bundle in dist/: `<bundle>.js` and `<bundle>.css`. */
  readonly bundle: string;
  readonly title: string;
  /** The `#app` placeholder shown until the script runs: its status and its text. */
  readonly status: string;
  readonly placeholder: string;
  readonly nonce?: string;
}

/**
 * cytoscape.js adds a `<style>` of one rule to the page (`position: relative` on its containers)
 * unless an element with this id exists; under the strict CSP that insertion is blocked and logged
 * as a violation on every open. Our stylesheet carries the id and the rule (webview/main.css).
 */
const CYTOSCAPE_STYLESHEET_ID = '__________cytoscape_stylesheet';

/**
 * The HTML shell of every QDQ Studio webview: the CSP, one stylesheet (dist/<bundle>.css) and one
 * nonce'd script (dist/<bundle>.js). Everything visible is built by the script; nothing inline.
 */
export function buildWebviewShell(webview: vscode.Webview, extensionUri: vscode.Uri, o: WebviewShellOptions): string {
  const nonce = o.nonce ?? createNonce();
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', `${o.bundle}.js`));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', `${o.bundle}.css`));
  const busy = o.status === 'loading' ? ' aria-busy="true"' : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(webview.cspSource, nonce)}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" id="${CYTOSCAPE_STYLESHEET_ID}" href="${escapeHtml(style.toString())}">
  <title>${escapeHtml(o.title)}</title>
</head>
<body>
  <div id="app" data-status="${escapeHtml(o.status)}"${busy}><p class="loading" role="status">${escapeHtml(o.placeholder)}</p></div>
  <script nonce="${nonce}" src="${escapeHtml(script.toString())}"></script>
</body>
</html>`;
}

/** The model view's shell (dist/webview.js). */
export function buildWebviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, title: string, nonce = createNonce()): string {
  return buildWebviewShell(webview, extensionUri, { bundle: 'webview', title, status: 'loading', placeholder: 'Loading model…', nonce });
}
