/**
 * Every `qdq` command says a missing input the same way: one line, `qdq: <file>: cannot read: no
 * such file (ENOENT)`, exit 2 (docs/cli.md, "Messages"). A named pipe is still refused at once
 * as "not a regular file".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { qdq } from '../../support/qdqCli';
import { repoRoot } from '../../support/fixtures';
import { makeTempDir } from '../../support/tempDir';

const fx = (...p: string[]): string => path.join(repoRoot, 'test', 'fixtures', ...p);
const MODEL = fx('onnx', 'tiny-qat-good.onnx');

test('a missing file: the same one line in every command, naming the file, exit 2', async () => {
  const dir = makeTempDir('qdq-missing');
  const gone = (name: string): string => path.join(dir, name);
  const cases: [string[], string][] = [
    [['info', gone('a.onnx')], gone('a.onnx')],
    [['save', gone('b.onnx'), '-o', gone('out.onnx')], gone('b.onnx')],
    [['lint', gone('c.onnx'), '--format', 'json'], gone('c.onnx')],
    [['sensitivity', gone('r.json'), '--model', MODEL], gone('r.json')],
    [['sensitivity', fx('sensitivity', 'summary-sensitive-analysis.json'), '--model', gone('d.onnx')], gone('d.onnx')],
    [['sensitivity', fx('sensitivity', 'summary-sensitive-analysis.json'), '--model', MODEL, '--yaml', gone('m.yaml')], gone('m.yaml')],
    [['edit', gone('e.onnx'), '-o', gone('out.onnx'), '--float-reference'], gone('e.onnx')],
    [['edit', MODEL, '-o', gone('out.onnx'), '--plan', gone('plan.json')], gone('plan.json')],
    [['engine', gone('layers.json')], gone('layers.json')],
    [['engine', fx('trtexec', 'names-only.layerinfo.json'), '--profile', gone('profile.json')], gone('profile.json')],
    [['engine', fx('trtexec', 'names-only.layerinfo.json'), '--compare', gone('other.json')], gone('other.json')],
    [['numeric', gone('f.onnx')], gone('f.onnx')],
    [['numeric', MODEL, '--reference', gone('g.onnx')], gone('g.onnx')],
  ];
  for (const [args, file] of cases) {
    const r = await qdq(...args);
    assert.equal(r.code, 2, `qdq ${args.join(' ')}: ${r.err}`);
    assert.equal(r.out, '', args.join(' '));
    assert.equal(r.err, `qdq: ${file}: cannot read: no such file (ENOENT)\n`, `qdq ${args.join(' ')}`);
  }
});
