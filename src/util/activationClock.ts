/**
 * The time the extension bundle started to evaluate. `extension.ts` imports this module first, so
 * its body runs before any other module of the bundle and `activationMs` covers module load too.
 */
export const moduleStart = performance.now();
