// The floor of "open -> ready" (scripts/bench/openReady.mjs): a custom editor whose document is
// nothing and whose webview is one element. Its page sets the same ready markers as QDQ Studio's
// graph view (#app[data-qdq-state="ready"] and the `qdq:first-paint` mark) in its first frame.
const vscode = require('vscode');
const crypto = require('node:crypto');

exports.activate = (context) => {
  context.subscriptions.push(
    vscode.window.registerCustomEditorProvider(
      'qdqBench.floor',
      {
        openCustomDocument: (uri) => ({ uri, dispose() {} }),
        resolveCustomEditor(_document, panel) {
          panel.webview.options = { enableScripts: true };
          const nonce = crypto.randomBytes(16).toString('base64');
          panel.webview.html = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}';"></head>
<body><div id="app" data-status="loading">floor</div>
<script nonce="${nonce}">
performance.mark('qdq:script');
requestAnimationFrame(() => {
  performance.mark('qdq:first-paint');
  const app = document.getElementById('app');
  app.dataset.status = 'ready';
  app.dataset.qdqState = 'ready';
});
</script></body></html>`;
        },
      },
      { supportsMultipleEditorsPerDocument: true },
    ),
  );
};
