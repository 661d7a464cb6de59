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

/**
 * The HTML shell: the CSP, one stylesheet (dist/webview.css) and one nonce'd script
 * (dist/webview.js). Everything visible is built by the script; nothing inline.
 */
export function buildWebviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, title: string, nonce = createNonce()): string {
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.css'));
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(webview.cspSource, nonce)}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${escapeHtml(style.toString())}">
  <title>${escapeHtml(title)}</title>
</head>
<body>
  <div id="app" data-status="loading" aria-busy="true"><p class="loading" role="status">Loading model…</p></div>
  <script nonce="${nonce}" src="${escapeHtml(script.toString())}"></script>
</body>
</html>`;
}
