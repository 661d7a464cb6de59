/**
 * A small strict JSON parser (RFC 8259) that keeps positions. We use it instead of `JSON.parse`
 * because Node 20's messages carry no line/column (sometimes no offset at all), `JSON.parse`
 * keeps the last of duplicate keys without a word, and Python's `json.dump` writes bare `NaN` /
 * `Infinity` that deserve a better message than "Unexpected token". Every value node records its
 * offset, so a validation error found later can name the line as well as the JSON path.
 *
 * Accepted beyond the RFC: a leading byte-order mark. Refused: comments, trailing commas,
 * single quotes, control characters in strings, numbers that overflow to Infinity, duplicate
 * keys, nesting deeper than MAX_DEPTH.
 */
import { SensitivityFormatError, positionAt } from './errors';

export type JsonNode = JsonObject | JsonArray | JsonScalar;

interface NodeBase {
  /** Offset of the value's first character in the text. */
  readonly offset: number;
}
export interface JsonObject extends NodeBase {
  readonly kind: 'object';
  readonly members: readonly { readonly key: string; readonly keyOffset: number; readonly value: JsonNode }[];
}
export interface JsonArray extends NodeBase {
  readonly kind: 'array';
  readonly items: readonly JsonNode[];
}
export interface JsonScalar extends NodeBase {
  readonly kind: 'string' | 'number' | 'boolean' | 'null';
  readonly value: string | number | boolean | null;
}

export const MAX_DEPTH = 256;

export interface ParsedJson {
  readonly text: string;
  readonly root: JsonNode;
}

/** Parse `text` (the contents of `file`, named in errors). Throws SensitivityFormatError. */
export function parseJsonText(text: string, file: string): ParsedJson {
  return { text, root: new Parser(text, file).document() };
}

const NON_JSON_WORDS: Record<string, string> = {
  NaN: 'NaN is not valid JSON (Python\'s json module writes it for a float that is not a number)',
  Infinity: 'Infinity is not valid JSON (Python\'s json module writes it for an infinite float)',
  nan: 'nan is not valid JSON',
  inf: 'inf is not valid JSON',
  True: 'True is not valid JSON (did you mean true?)',
  False: 'False is not valid JSON (did you mean false?)',
  None: 'None is not valid JSON (did you mean null?)',
  undefined: 'undefined is not valid JSON',
};

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  document(): JsonNode {
    if (this.text.charCodeAt(0) === 0xfeff) this.pos = 1;
    this.ws();
    if (this.pos >= this.text.length) throw this.fail('the file is empty (expected a JSON value)', this.pos);
    const v = this.value();
    this.ws();
    if (this.pos < this.text.length) throw this.fail(`unexpected ${this.describe(this.pos)} after the end of the JSON value`, this.pos);
    return v;
  }

  private fail(problem: string, offset: number): SensitivityFormatError {
    return new SensitivityFormatError(this.file, `invalid JSON: ${problem}`, positionAt(this.text, offset));
  }

  private describe(at: number): string {
    if (at >= this.text.length) return 'end of file';
    const word = /^-?[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(at, at + 32));
    if (word) return `'${word[0]}'`;
    const c = this.text[at]!;
    return c === '\n' || c === '\r' ? 'end of line' : `'${c}'`;
  }

  private ws(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else if (c === 0x2f /* / */ && (t[this.pos + 1] === '/' || t[this.pos + 1] === '*')) throw this.fail('comments are not allowed in JSON', this.pos);
      else break;
    }
  }

  private value(): JsonNode {
    const t = this.text;
    const at = this.pos;
    const c = t[at];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return { kind: 'string', offset: at, value: this.string() };
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      const word = /^-?(NaN|Infinity|inf|nan)\b/.exec(t.slice(at, at + 10));
      if (word) throw this.fail(NON_JSON_WORDS[word[1]!]!, at);
      return { kind: 'number', offset: at, value: this.number() };
    }
    for (const [lit, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (t.startsWith(lit, at)) {
        this.pos += lit.length;
        return { kind: value === null ? 'null' : 'boolean', offset: at, value };
      }
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(t.slice(at, at + 32));
    if (word && NON_JSON_WORDS[word[0]]) throw this.fail(NON_JSON_WORDS[word[0]]!, at);
    if (c === "'") throw this.fail('strings must use double quotes', at);
    throw this.fail(`expected a value, found ${this.describe(at)}`, at);
  }

  private enter(at: number): void {
    if (++this.depth > MAX_DEPTH) throw this.fail(`nested deeper than ${MAX_DEPTH} levels`, at);
  }

  private object(): JsonObject {
    const at = this.pos;
    this.enter(at);
    this.pos++; // {
    const members: { key: string; keyOffset: number; value: JsonNode }[] = [];
    const seen = new Map<string, number>();
    this.ws();
    if (this.text[this.pos] === '}') {
      this.pos++;
      this.depth--;
      return { kind: 'object', offset: at, members };
    }
    for (;;) {
      this.ws();
      const keyOffset = this.pos;
      if (this.text[keyOffset] !== '"') {
        if (this.text[keyOffset] === '}') throw this.fail('trailing comma before }', keyOffset);
        throw this.fail(`expected a property name in double quotes, found ${this.describe(keyOffset)}`, keyOffset);
      }
      const key = this.string();
      const first = seen.get(key);
      if (first !== undefined) {
        throw this.fail(`duplicate key ${JSON.stringify(key)} (first at line ${positionAt(this.text, first).line})`, keyOffset);
      }
      seen.set(key, keyOffset);
      this.ws();
      if (this.text[this.pos] !== ':') throw this.fail(`expected ':' after the property name, found ${this.describe(this.pos)}`, this.pos);
      this.pos++;
      this.ws();
      members.push({ key, keyOffset, value: this.value() });
      this.ws();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === '}') {
        this.pos++;
        this.depth--;
        return { kind: 'object', offset: at, members };
      }
      throw this.fail(`expected ',' or '}' in the object, found ${this.describe(this.pos)}`, this.pos);
    }
  }

  private array(): JsonArray {
    const at = this.pos;
    this.enter(at);
    this.pos++; // [
    const items: JsonNode[] = [];
    this.ws();
    if (this.text[this.pos] === ']') {
      this.pos++;
      this.depth--;
      return { kind: 'array', offset: at, items };
    }
    for (;;) {
      this.ws();
      if (this.text[this.pos] === ']') throw this.fail('trailing comma before ]', this.pos);
      items.push(this.value());
      this.ws();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === ']') {
        this.pos++;
        this.depth--;
        return { kind: 'array', offset: at, items };
      }
      throw this.fail(`expected ',' or ']' in the list, found ${this.describe(this.pos)}`, this.pos);
    }
  }

  private string(): string {
    const t = this.text;
    const start = this.pos;
    this.pos++; // "
    let out = '';
    let run = this.pos;
    for (;;) {
      if (this.pos >= t.length) throw this.fail('unterminated string', start);
      const c = t.charCodeAt(this.pos);
      if (c === 0x22 /* " */) {
        out += t.slice(run, this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20) throw this.fail(c === 0x0a || c === 0x0d ? 'unterminated string (line break inside a string)' : 'control character inside a string', this.pos);
      if (c === 0x5c /* \ */) {
        out += t.slice(run, this.pos);
        const e = t[this.pos + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && simple[e] !== undefined) {
          out += simple[e];
          this.pos += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(t.slice(this.pos + 2, this.pos + 6))) {
          out += String.fromCharCode(parseInt(t.slice(this.pos + 2, this.pos + 6), 16));
          this.pos += 6;
        } else {
          throw this.fail(`invalid escape '\\${e ?? ''}' in a string`, this.pos);
        }
        run = this.pos;
        continue;
      }
      this.pos++;
    }
  }

  private number(): number {
    const at = this.pos;
    const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(this.text.slice(at, at + 400));
    if (!m) throw this.fail(`invalid number ${this.describe(at)}`, at);
    const next = this.text[at + m[0].length];
    if (next !== undefined && /[0-9A-Za-z.+-]/.test(next)) throw this.fail(`invalid number '${this.text.slice(at, at + m[0].length + 1)}'`, at);
    const v = Number(m[0]);
    if (!Number.isFinite(v)) throw this.fail(`number ${m[0]} is out of range`, at);
    this.pos += m[0].length;
    return v;
  }
}

/** The plain JavaScript value of a node (objects get own properties, even for `__proto__`). */
export function toValue(node: JsonNode): unknown {
  switch (node.kind) {
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const m of node.members) Object.defineProperty(o, m.key, { value: toValue(m.value), enumerable: true, writable: true, configurable: true });
      return o;
    }
    case 'array':
      return node.items.map(toValue);
    default:
      return node.value;
  }
}

export type JsonPathStep = string | number;

/** `$`, `$[2][0]`, `$.layers[3].values.ap`, `$.metrics["mAP@0.5"]`. */
export function formatJsonPath(steps: readonly JsonPathStep[]): string {
  let s = '$';
  for (const k of steps) {
    if (typeof k === 'number') s += `[${k}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k)) s += `.${k}`;
    else s += `[${JSON.stringify(k)}]`;
  }
  return s;
}

/** JSON pointer (`/layers/3/values/ap`, as ajv reports) to path steps. */
export function pointerToPath(pointer: string): JsonPathStep[] {
  if (!pointer) return [];
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The node at `steps` (string steps on arrays are read as indices), or the deepest one found. */
export function nodeAt(root: JsonNode, steps: readonly JsonPathStep[]): JsonNode {
  let node = root;
  for (const step of steps) {
    let next: JsonNode | undefined;
    if (node.kind === 'array') next = node.items[Number(step)];
    else if (node.kind === 'object') next = node.members.find((m) => m.key === String(step))?.value;
    if (!next) break;
    node = next;
  }
  return node;
}

/** Path steps with array indices as numbers (for formatJsonPath), given the tree they index. */
export function typedPath(root: JsonNode, steps: readonly JsonPathStep[]): JsonPathStep[] {
  const out: JsonPathStep[] = [];
  let node: JsonNode | undefined = root;
  for (const step of steps) {
    if (node?.kind === 'array') {
      out.push(Number(step));
      node = node.items[Number(step)];
    } else {
      out.push(String(step));
      node = node?.kind === 'object' ? node.members.find((m) => m.key === String(step))?.value : undefined;
    }
  }
  return out;
}

/**
 * An error about the value at `steps`: file, line/column of that value (of its key, with
 * `atKey`, for problems with the property itself), JSON path.
 */
export function errorAt(parsed: ParsedJson, file: string, steps: readonly JsonPathStep[], problem: string, atKey = false): SensitivityFormatError {
  let offset = nodeAt(parsed.root, steps).offset;
  if (atKey && steps.length) {
    const parent = nodeAt(parsed.root, steps.slice(0, -1));
    const member = parent.kind === 'object' ? parent.members.find((m) => m.key === String(steps[steps.length - 1])) : undefined;
    if (member) offset = member.keyOffset;
  }
  return new SensitivityFormatError(file, problem, positionAt(parsed.text, offset), formatJsonPath(typedPath(parsed.root, steps)));
}

/** How a value reads in a message: `the string "NaN"`, `a list`, `null`. */
export function describeValue(node: JsonNode): string {
  switch (node.kind) {
    case 'object':
      return 'an object';
    case 'array':
      return 'a list';
    case 'string': {
      const s = node.value as string;
      return `the string ${JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s)}`;
    }
    case 'null':
      return 'null';
    default:
      return String(node.value);
  }
}

/** A string that stands for a non-finite float: "NaN", "nan", "Infinity", "-inf", ... */
export function isNonFiniteString(v: unknown): boolean {
  return typeof v === 'string' && /^\s*[+-]?(nan|inf|infinity)\s*$/i.test(v);
}
