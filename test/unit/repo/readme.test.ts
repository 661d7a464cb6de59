/**
 * The README's promises that tooling depends on: the quick start has exactly two commands, CI
 * runs the README's test command, and the README has no relative links (vsce refuses to package
 * a README whose relative links it cannot resolve without a repository URL).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

function quickStartCommands(): string[] {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Quick start'));
  assert.ok(section, 'README has a "## Quick start" section');
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  assert.ok(block, 'the quick start has a sh code block');
  return block[1]!.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

test('the quick start has exactly two commands, both npm scripts that exist', () => {
  const cmds = quickStartCommands();
  assert.equal(cmds.length, 2, cmds.join(' | '));
  const scripts = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
  for (const cmd of cmds) {
    const m = /^npm (?:run )?(\S+)$/.exec(cmd);
    assert.ok(m, `"${cmd}" is an npm script`);
    assert.ok(scripts[m[1]!], `package.json has a "${m[1]}" script`);
  }
});

test('.ci/run runs the README test command', () => {
  const ci = fs.readFileSync(path.join(root, '.ci', 'run'), 'utf8');
  const testCmd = quickStartCommands().find((c) => /\btest\b/.test(c));
  assert.ok(testCmd, 'one quick-start command runs the tests');
  assert.ok(ci.split('\n').some((l) => l.trim() === testCmd), `.ci/run has a line "${testCmd}"`);
});

test('the README has no relative links (vsce cannot package them without a repository URL)', () => {
  const relative = [...readme.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]!).filter((u) => !/^(https?:|mailto:|#)/.test(u));
  assert.deepEqual(relative, []);
});
