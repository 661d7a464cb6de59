/** The position-keeping strict JSON parser: values, and the exact messages for what it refuses. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatJsonPath, MAX_DEPTH, nodeAt, parseJsonText, pointerToPath, toValue } from '../../../src/core/sensitivity/jsonText';
import { SensitivityFormatError, positionAt } from '../../../src/core/sensitivity/errors';

function err(text: string, file = 'f.json'): string {
  try {
    parseJsonText(text, file);
  } catch (e) {
    assert.ok(e instanceof SensitivityFormatError, String(e));
    return e.message;
  }
  assert.fail(`parsed: ${text}`);
}

test('parses what JSON.parse parses, to the same values', () => {
  const samples = [
    '[[0.3815, "PTQ"], [0.4, "model.1"]]',
    '{"a": {"b": [1, -2.5e-3, 0, true, false, null, "x\\u00e9\\n\\"q\\""]}, "c": []}',
    '\ufeff  {"x": 1}  \n',
    '"just a string"',
    '-0',
    '1E+2',
  ];
  for (const s of samples) assert.deepEqual(toValue(parseJsonText(s, 'f.json').root), JSON.parse(s.replace(/^\ufeff/, '')), s);
});

test('a __proto__ key becomes an own property, not the prototype', () => {
  const v = toValue(parseJsonText('{"__proto__": {"polluted": 1}}', 'f.json').root) as Record<string, unknown>;
  assert.ok(Object.prototype.hasOwnProperty.call(v, '__proto__'));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(v), Object.prototype);
});

test('syntax errors name the file, line and column', () => {
  assert.equal(err('[\n  [0.1, "PTQ"],\n  [0.2, "model.0"\n]'), "f.json:4:2: invalid JSON: expected ',' or ']' in the list, found end of file");
  assert.equal(err('[\n  [0.1, "PTQ"]\n  [0.2, "model.0"]\n]'), "f.json:3:3: invalid JSON: expected ',' or ']' in the list, found '['");
  assert.equal(err('[\n  [0.1, "PTQ"],\n]'), 'f.json:3:1: invalid JSON: trailing comma before ]');
  assert.equal(err('{"a": 1,}'), 'f.json:1:9: invalid JSON: trailing comma before }');
  assert.equal(err(''), 'f.json:1:1: invalid JSON: the file is empty (expected a JSON value)');
  assert.equal(err('  \n'), 'f.json:2:1: invalid JSON: the file is empty (expected a JSON value)');
  assert.equal(err('{"a": 1} x'), "f.json:1:10: invalid JSON: unexpected 'x' after the end of the JSON value");
  assert.equal(err('{a: 1}'), "f.json:1:2: invalid JSON: expected a property name in double quotes, found 'a'");
  assert.equal(err("['x']"), 'f.json:1:2: invalid JSON: strings must use double quotes');
  assert.equal(err('[1, // c\n2]'), 'f.json:1:5: invalid JSON: comments are not allowed in JSON');
  assert.equal(err('["abc'), 'f.json:1:2: invalid JSON: unterminated string');
  assert.equal(err('["a\nb"]'), 'f.json:1:4: invalid JSON: unterminated string (line break inside a string)');
  assert.equal(err('["a\\x"]'), "f.json:1:4: invalid JSON: invalid escape '\\x' in a string");
  assert.equal(err('[01]'), "f.json:1:2: invalid JSON: invalid number '01'");
  assert.equal(err('[1.]'), "f.json:1:2: invalid JSON: invalid number '1.'");
  assert.equal(err('[1e999]'), 'f.json:1:2: invalid JSON: number 1e999 is out of range');
  assert.equal(err('{"a" 1}'), "f.json:1:6: invalid JSON: expected ':' after the property name, found '1'");
  assert.equal(err('[1 2]'), "f.json:1:4: invalid JSON: expected ',' or ']' in the list, found '2'");
  assert.equal(err('[1,\r\n  @]'), "f.json:2:3: invalid JSON: expected a value, found '@'");
});

test("Python's NaN / Infinity and other non-JSON words get a message of their own", () => {
  assert.equal(err('[\n    [\n        NaN,\n        "model.3"\n    ]\n]'), "f.json:3:9: invalid JSON: NaN is not valid JSON (Python's json module writes it for a float that is not a number)");
  assert.equal(err('[-Infinity]'), "f.json:1:2: invalid JSON: Infinity is not valid JSON (Python's json module writes it for an infinite float)");
  assert.equal(err('[Infinity]'), "f.json:1:2: invalid JSON: Infinity is not valid JSON (Python's json module writes it for an infinite float)");
  assert.equal(err('{"ok": True}'), 'f.json:1:8: invalid JSON: True is not valid JSON (did you mean true?)');
  assert.equal(err('[None]'), 'f.json:1:2: invalid JSON: None is not valid JSON (did you mean null?)');
});

test('duplicate keys are refused (JSON.parse would keep the last silently)', () => {
  assert.equal(err('{\n  "ap": 1,\n  "ap": 2\n}'), 'f.json:3:3: invalid JSON: duplicate key "ap" (first at line 2)');
});

test('nesting is capped instead of overflowing the stack', () => {
  const deep = '['.repeat(MAX_DEPTH + 1) + ']'.repeat(MAX_DEPTH + 1);
  assert.equal(err(deep), `f.json:1:${MAX_DEPTH + 1}: invalid JSON: nested deeper than ${MAX_DEPTH} levels`);
  assert.doesNotThrow(() => parseJsonText('['.repeat(MAX_DEPTH) + ']'.repeat(MAX_DEPTH), 'f.json'));
  assert.match(err('['.repeat(100_000)), /nested deeper than/);
});

test('paths: JSON pointers, display form, and the node at a path', () => {
  assert.deepEqual(pointerToPath('/layers/3/values/a~1b~0c'), ['layers', '3', 'values', 'a/b~c']);
  assert.deepEqual(pointerToPath(''), []);
  assert.equal(formatJsonPath(['layers', 3, 'values', 'ap']), '$.layers[3].values.ap');
  assert.equal(formatJsonPath([2, 0]), '$[2][0]');
  assert.equal(formatJsonPath(['metrics', 'mAP@0.5']), '$.metrics["mAP@0.5"]');
  const p = parseJsonText('{\n "a": [\n  1,\n  {"b": 2}\n ]\n}', 'f.json');
  const n = nodeAt(p.root, ['a', '1', 'b']);
  assert.deepEqual(positionAt(p.text, n.offset), { line: 4, column: 9 });
});

test('positionAt counts LF, CRLF and lone CR line ends', () => {
  assert.deepEqual(positionAt('a\nb\r\nc\rd', 7), { line: 4, column: 1 });
  assert.deepEqual(positionAt('abc', 2), { line: 1, column: 3 });
});
