/** The API VS Code injects into webviews. `acquireVsCodeApi()` may be called only once per page. */
export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState<T>(state: T): T;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** Acquires the page's VS Code API. Call once (in `main.ts`) and pass the result down. */
export function acquireApi(): VsCodeApi {
  return acquireVsCodeApi();
}
