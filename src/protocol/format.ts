/** Formatting shared by the host (the `qdq` CLI, reports) and the webview: plain functions, no Node, no VS Code. */
const byteUnits = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/**
 * Human-readable byte count with binary units, as trtexec prints them: `0 B`, `999 B`, `1.5 KiB`,
 * `24.2 MiB`, `2.00 GiB`. Three significant digits above 1 KiB. The CLI and the webview both use it.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes;
  let unit = -1;
  do {
    value /= 1024;
    unit++;
  } while (value >= 1024 && unit < byteUnits.length - 1);
  // Rounding may carry into the next unit (1023.96 KiB -> "1024 KiB"): step up when it does.
  if (value >= 999.5 && unit < byteUnits.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${byteUnits[unit]}`;
}
