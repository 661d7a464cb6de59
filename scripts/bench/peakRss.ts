/**
 * The process's peak resident memory, for the bench's memory figures (Linux: the kernel's
 * high-water mark, which `resetPeakRss` restarts from the current RSS through
 * /proc/self/clear_refs; elsewhere process.resourceUsage().maxRSS, which cannot be reset).
 */
import * as fs from 'node:fs';

/** Restart the high-water mark from the current RSS; false where the system does not allow it. */
export function resetPeakRss(): boolean {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** Peak RSS in bytes since the last reset (or since start, without reset support). */
export function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    /* not Linux */
  }
  return process.resourceUsage().maxRSS * 1024;
}
