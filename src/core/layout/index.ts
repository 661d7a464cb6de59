/** Public surface of the layout layer: a layered layout over plain arrays (no ONNX, no DOM). */
export type { LayoutInput, LayoutOptions, LayoutResult, LayoutStats } from './layout.types';
export { LAYOUT_DEFAULTS, layeredLayout } from './layeredLayout';
