/** JSON text → value, with syntax errors turned into EngineReportError carrying line and column. */
import { EngineReportError } from './errors';

/** Line and column (1-based) of a character offset. Linear in the offset. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  const end = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: end - lineStart + 1 };
}

/**
 * Parse `text` as JSON. `what` names the expected content for messages
 * ("trtexec --exportLayerInfo JSON"). Throws EngineReportError only, with the line and column of
 * the first syntax error (found by `locateJsonError`, the same on every Node version).
 */
export function parseJsonText(text: string, file: string, what: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') throw new EngineReportError({ file, line: 1, problem: `empty file (expected ${what})` });
  try {
    return JSON.parse(body);
  } catch (e) {
    const found = locateJsonError(body);
    const offset = found ? found.offset : body.length;
    const { line, column } = lineColumnAt(body, offset);
    const reason = found ? found.problem : e instanceof Error ? e.message : String(e);
    throw new EngineReportError({ file, line, column, problem: `not valid JSON (expected ${what}): ${reason}` });
  }
}

const NUMBER_AT = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?/y;

function foundAt(s: string, i: number): string {
  if (i >= s.length) return 'end of file';
  const c = s.codePointAt(i)!;
  return c < 0x20 || c === 0x7f ? `character U+${c.toString(16).toUpperCase().padStart(4, '0')}` : `'${String.fromCodePoint(c)}'`;
}

/**
 * Offset and description of the first JSON syntax error in `s`, or undefined when `s` is valid
 * JSON. One linear pass with an explicit stack (no recursion, whatever the nesting).
 */
export function locateJsonError(s: string): { offset: number; problem: string } | undefined {
  const n = s.length;
  const stack: boolean[] = []; // true = object, false = array
  let i = 0;
  let state: 'value' | 'valueOrClose' | 'key' | 'keyOrClose' | 'after' = 'value';
  const fail = (expected: string) => ({ offset: i, problem: `expected ${expected}, found ${foundAt(s, i)}` });
  const skipWs = () => {
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  /** Moves i past a string starting at i; returns an error or undefined. */
  const string = (): { offset: number; problem: string } | undefined => {
    const start = i;
    i++;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return undefined;
      }
      if (c === 0x5c) {
        const e = s[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) return { offset: i, problem: 'bad \\u escape in string' };
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i += 2;
        } else {
          return { offset: i, problem: 'bad escape in string' };
        }
        continue;
      }
      if (c < 0x20) return { offset: i, problem: `unescaped ${foundAt(s, i)} in string` };
      i++;
    }
    return { offset: start, problem: 'string not terminated' };
  };
  for (;;) {
    skipWs();
    if (state === 'value' || state === 'valueOrClose') {
      const c = s[i];
      if (state === 'valueOrClose' && c === ']') {
        stack.pop();
        i++;
        state = 'after';
      } else if (c === '{') {
        stack.push(true);
        i++;
        state = 'keyOrClose';
      } else if (c === '[') {
        stack.push(false);
        i++;
        state = 'valueOrClose';
      } else if (c === '"') {
        const err = string();
        if (err) return err;
        state = 'after';
      } else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
        NUMBER_AT.lastIndex = i;
        const m = NUMBER_AT.exec(s);
        if (!m) return fail('a number');
        i += m[0].length;
        state = 'after';
      } else if (s.startsWith('true', i) || s.startsWith('null', i)) {
        i += 4;
        state = 'after';
      } else if (s.startsWith('false', i)) {
        i += 5;
        state = 'after';
      } else {
        return fail(state === 'valueOrClose' ? "a value or ']'" : 'a value');
      }
    } else if (state === 'key' || state === 'keyOrClose') {
      if (state === 'keyOrClose' && s[i] === '}') {
        stack.pop();
        i++;
        state = 'after';
        continue;
      }
      if (s[i] !== '"') return fail(state === 'keyOrClose' ? "a property name in double quotes or '}'" : 'a property name in double quotes');
      const err = string();
      if (err) return err;
      skipWs();
      if (s[i] !== ':') return fail("':'");
      i++;
      state = 'value';
    } else {
      if (stack.length === 0) return i < n ? fail('end of file') : undefined;
      const inObject = stack[stack.length - 1]!;
      const c = s[i];
      if (c === ',') {
        i++;
        state = inObject ? 'key' : 'value';
      } else if (c === (inObject ? '}' : ']')) {
        stack.pop();
        i++;
      } else {
        return fail(inObject ? "',' or '}'" : "',' or ']'");
      }
    }
  }
}

/** Short description of a JSON value's kind for messages. */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'object':
      return 'an object';
    case 'string':
      return 'a string';
    case 'number':
      return Number.isFinite(v) ? 'a number' : 'a non-finite number';
    default:
      return typeof v;
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A finite number, or undefined. (JSON.parse turns 1e400 into Infinity.) */
export function finite(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Round away float noise from sums (0.47038875999999985 → 0.47038876). */
export function tidy(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const magnitude = Math.floor(Math.log10(Math.abs(x)));
  const digits = Math.max(0, Math.min(15, 11 - magnitude));
  return Number(x.toFixed(digits));
}
