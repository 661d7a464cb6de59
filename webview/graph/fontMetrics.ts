/**
 * The node font of the graph view and its metrics, sent with every graph request so the host sizes
 * boxes for our labels. One definition for the graph panel and main.ts's early first request: both
 * must measure alike, since the host caches layouts by these numbers and the panel takes the early
 * answer only for equal metrics.
 */
export interface FontMetrics {
  readonly charWidth: number;
  readonly lineHeight: number;
}

/** The editor font size and the UI font family (VS Code's theme variables), with fallbacks. */
export function editorFont(): { size: number; family: string } {
  const style = getComputedStyle(document.documentElement);
  const size = parseFloat(style.getPropertyValue('--vscode-editor-font-size')) || 14;
  const family = style.getPropertyValue('--vscode-font-family').trim() || 'system-ui, sans-serif';
  return { size, family };
}

/** Mean advance of a label-like sample and the line height, at the editor font size. */
export function measureFontMetrics(): FontMetrics {
  const { size, family } = editorFont();
  const c = document.createElement('canvas').getContext('2d');
  let charWidth = size * 0.6;
  if (c) {
    c.font = `${size}px ${family}`;
    const sample = 'ConvDequantizeLinearReshapeSigmoid0123456789×';
    charWidth = c.measureText(sample).width / sample.length;
  }
  return { charWidth: Math.min(64, Math.max(2, charWidth)), lineHeight: Math.min(200, Math.max(6, Math.round(size * 1.35))) };
}
