import type { OnnxDocument } from './onnxDocument';

/** The steps of opening a model in the custom editor, in the order they normally happen. */
export type OpenStep =
  | 'opened' // openCustomDocument returned (the model decodes in the background)
  | 'resolved' // resolveCustomEditor set the webview's HTML
  | 'loaded' // the first load (decode, summary) finished
  | 'prefetchStarted' // the host started building the graph the panel will ask for
  | 'prefetchDone'
  | 'graphRequested' // the panel asked for its first graph
  | 'graphPosted' // ... and the host posted it
  | 'graphPainted' // the panel reported its first painted graph
  | 'analysisStarted'; // the first analysis began (after the first paint, see OpenDocuments.whenFirstShown)

/**
 * When each step of opening a document first happened (performance.now(), ms), and whether the
 * panel's first graph request was answered from the prefetch. Read by the integration tests
 * (`qdqStudio.internal.openTimeline`) and written to the log once the graph is painted.
 */
export interface OpenTimeline {
  readonly steps: Partial<Record<OpenStep, number>>;
  /**
   * What the first graph request found from the prefetch: the whole answer (`layout`: view graph
   * and layout for its font, done or being built), only the view graph (`view`: the layout ran on
   * request), or nothing.
   */
  prefetchHit?: 'layout' | 'view' | false;
}

const timelines = new WeakMap<OnnxDocument, OpenTimeline>();

export function timelineOf(document: OnnxDocument): OpenTimeline {
  let t = timelines.get(document);
  if (!t) {
    t = { steps: {} };
    timelines.set(document, t);
  }
  return t;
}

/** Records `step` for `document` unless it already happened. */
export function markStep(document: OnnxDocument, step: OpenStep): void {
  const t = timelineOf(document);
  t.steps[step] ??= performance.now();
}

/** One log line: each step in ms after `opened`. */
export function describeTimeline(t: OpenTimeline): string {
  const origin = t.steps.opened;
  if (origin === undefined) return '';
  return (Object.entries(t.steps) as [OpenStep, number][])
    .filter(([step]) => step !== 'opened')
    .sort((a, b) => a[1] - b[1])
    .map(([step, at]) => `${step} +${(at - origin).toFixed(0)} ms`)
    .join(', ');
}
