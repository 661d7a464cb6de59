import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  baseName,
  formatBytes,
  formatCount,
  formatDomain,
  formatDtype,
  formatOpsets,
  formatPercent,
  formatProducer,
  formatShape,
  histogramRows,
  isQdqOp,
  parseCount,
} from '../../../webview/format';

describe('formatBytes', () => {
  it('uses bytes below 1 KiB and binary units above', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(999), '999 B');
    assert.equal(formatBytes(1023), '1023 B');
    assert.equal(formatBytes(1024), '1.00 KiB');
    assert.equal(formatBytes(1536), '1.50 KiB');
    assert.equal(formatBytes(25_367_000), '24.2 MiB');
    assert.equal(formatBytes(250 * 1024 * 1024), '250 MiB');
    assert.equal(formatBytes(3 * 1024 ** 3), '3.00 GiB');
  });

  it('carries into the next unit instead of showing 1024 KiB', () => {
    assert.equal(formatBytes(1024 * 1024 - 1), '1.00 MiB');
    assert.equal(formatBytes(1023.7 * 1024), '1.00 MiB');
  });

  it('marks impossible values', () => {
    assert.equal(formatBytes(-1), '?');
    assert.equal(formatBytes(Number.NaN), '?');
  });
});

describe('formatCount / parseCount', () => {
  it('writes plain digits without separators', () => {
    assert.equal(formatCount(2530), '2530');
    assert.equal(formatCount(1_234_567), '1234567');
    assert.equal(formatCount(0), '0');
  });

  it('round-trips and rejects anything else', () => {
    assert.equal(parseCount(formatCount(2530)), 2530);
    assert.equal(parseCount(' 42\n'), 42);
    assert.equal(parseCount('2,530'), undefined);
    assert.equal(parseCount(''), undefined);
    assert.equal(parseCount(null), undefined);
    assert.equal(parseCount(undefined), undefined);
  });
});

describe('formatShape / formatDtype', () => {
  it('formats known, symbolic and unknown dims', () => {
    assert.equal(formatShape([1, 3, 640, 640]), '1×3×640×640');
    assert.equal(formatShape(['batch', 3, null, null]), 'batch×3×?×?');
    assert.equal(formatShape([]), 'scalar');
    assert.equal(formatShape(null), 'unknown');
  });

  it('names non-tensor values', () => {
    assert.equal(formatDtype('FLOAT'), 'FLOAT');
    assert.equal(formatDtype(''), 'non-tensor');
  });
});

describe('opsets and producer', () => {
  it('lists the default domain first', () => {
    assert.equal(formatDomain(''), 'ai.onnx');
    assert.equal(
      formatOpsets([
        { domain: 'com.microsoft', version: 1 },
        { domain: '', version: 17 },
        { domain: 'ai.onnx.ml', version: 3 },
      ]),
      'ai.onnx 17, ai.onnx.ml 3, com.microsoft 1',
    );
    assert.equal(formatOpsets([]), 'none');
  });

  it('joins producer name and version', () => {
    assert.equal(formatProducer('pytorch', '2.3.0'), 'pytorch 2.3.0');
    assert.equal(formatProducer('pytorch', ''), 'pytorch');
    assert.equal(formatProducer(' ', ''), 'unknown');
  });
});

describe('histogramRows', () => {
  it('sorts by count, then by name, with fractions of the largest and of the total', () => {
    const rows = histogramRows({ Conv: 10, QuantizeLinear: 20, DequantizeLinear: 20, Sigmoid: 0, Add: 5, Mul: 5 });
    assert.deepEqual(
      rows.map((r) => [r.opType, r.count]),
      [
        ['DequantizeLinear', 20],
        ['QuantizeLinear', 20],
        ['Conv', 10],
        ['Add', 5],
        ['Mul', 5],
      ],
    );
    assert.equal(rows[0]?.fraction, 1);
    assert.equal(rows[2]?.fraction, 0.5);
    assert.equal(rows[2]?.share, 10 / 60);
  });

  it('is empty for an empty graph', () => {
    assert.deepEqual(histogramRows({}), []);
  });
});

describe('small helpers', () => {
  it('formats percentages', () => {
    assert.equal(formatPercent(0.5), '50%');
    assert.equal(formatPercent(0.095), '9.5%');
    assert.equal(formatPercent(0.0004), '<0.1%');
    assert.equal(formatPercent(0), '0.0%');
  });

  it('takes base names of paths and URIs', () => {
    assert.equal(baseName('/a/b/yolov9t-qat.onnx'), 'yolov9t-qat.onnx');
    assert.equal(baseName('C:\\models\\m.onnx'), 'm.onnx');
    assert.equal(baseName('vscode-vfs://github/x/m.onnx'), 'm.onnx');
    assert.equal(baseName('m.onnx'), 'm.onnx');
  });

  it('recognises Q/DQ ops', () => {
    assert.equal(isQdqOp('QuantizeLinear'), true);
    assert.equal(isQdqOp('DequantizeLinear'), true);
    assert.equal(isQdqOp('Conv'), false);
  });
});
