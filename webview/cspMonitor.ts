/**
 * Records Content-Security-Policy violations of the page, so the host's test hook can check that
 * the strict CSP holds (nothing blocked, nothing needing `unsafe-inline`). Import this module first.
 */
const violations: string[] = [];

document.addEventListener('securitypolicyviolation', (event) => {
  violations.push(`${event.violatedDirective} ${event.blockedURI || '(inline)'}`.trim());
});

/** Violations seen since the page loaded, as `"<directive> <blocked URI or (inline)>"`. */
export function cspViolations(): readonly string[] {
  return [...violations];
}
