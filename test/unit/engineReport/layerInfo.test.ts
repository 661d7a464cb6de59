/**
 * Layer-info, profile and TREx-metadata readers on the hand-made files in test/fixtures/trtexec/
 * (see its README): both shapes (detailed objects, plain names), both generations (8.x, 10.x with
 * Metadata), malformed and hostile input. These run on a clean checkout.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import {
  EngineReportError,
  isEngineReportError,
  layerNameParts,
  parseLayerInfo,
  parseLayerMetadata,
  parseProfile,
  parseTensorFormat,
  parseTrexMetadata,
} from '../../../src/core/engineReport/index';
import { lineColumnAt, locateJsonError, parseJsonText } from '../../../src/core/engineReport/json';

const dir = path.resolve(__dirname, '..', '..', 'fixtures', 'trtexec');
const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');

function thrown(fn: () => unknown): EngineReportError {
  try {
    fn();
  } catch (e) {
    assert.ok(isEngineReportError(e), `expected EngineReportError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

describe('engineReport: tensor formats', () => {
  test('8.x long format strings and 10.x short type names', () => {
    const cases: [string, string, string | undefined][] = [
      ['Row major linear FP32', 'FP32', 'NCHW'],
      ['Row major linear FP16 format', 'FP16', 'NCHW'],
      ['Row major Int8 format', 'INT8', 'NCHW'],
      ['Four wide channel vectorized row major Int8 format', 'INT8', 'NC/4HW4'],
      ['Two wide channel vectorized row major FP16 format', 'FP16', 'NC/2HW2'],
      ['Thirty-two wide channel vectorized row major FP16 format', 'FP16', 'NC/32HW32'],
      ['Thirty-two wide channel vectorized row major Int8 format with 3 spatial dimensions', 'INT8', 'NC/32DHW32'],
      ['Channel major FP16 format where channel % 8 == 0', 'FP16', 'NHWC8'],
      ['Channel major FP16 format where channel == 4 and column stride % 32 == 0', 'FP16', 'NHWC4'],
      ['Channel major INT8 format where column stride % 32 == 0', 'INT8', 'NHWC'],
      ['Channel major BFloat16 format where channel % 8 == 0', 'BF16', 'NHWC8'],
      ['Row major linear FP8 format', 'FP8', 'NCHW'],
      ['Row major linear BOOL', 'BOOL', 'NCHW'],
      ['Float', 'FP32', undefined],
      ['Half', 'FP16', undefined],
      ['BFloat16', 'BF16', undefined],
      ['Int64', 'INT64', undefined],
      ['Int4', 'INT4', undefined],
      ['FP4', 'FP4', undefined],
      ['Unknown format', 'UNKNOWN', undefined],
      ['', 'UNKNOWN', undefined],
    ];
    for (const [s, precision, layout] of cases) {
      const f = parseTensorFormat(s);
      assert.equal(f.precision, precision, s);
      assert.equal(f.layout, layout, s);
    }
  });

  test('the first type word wins; a huge string is looked at only in part', () => {
    assert.equal(parseTensorFormat('Channel major Int8 format, Half elsewhere').precision, 'INT8');
    assert.equal(parseTensorFormat(`${'x '.repeat(1_000_000)}Half`).precision, 'UNKNOWN');
  });
});

describe('engineReport: layer-info files', () => {
  test('name-only file (built without detailed verbosity)', () => {
    const info = parseLayerInfo(read('names-only.layerinfo.json'), 'names-only.layerinfo.json');
    assert.equal(info.detailed, false);
    assert.equal(info.layers.length, 7);
    assert.deepEqual(info.bindings, ['images', 'output0']);
    assert.deepEqual(info.problems, []);
    assert.ok(info.layers.every((l) => l.layerType === undefined && l.inputs.length === 0));
  });

  test('8.x detailed file: fields, tensors, formats', () => {
    const info = parseLayerInfo(read('trt8-detailed.layerinfo.json'), 'trt8');
    assert.equal(info.detailed, true);
    assert.equal(info.style, '8.x');
    assert.equal(info.layers.length, 12);
    assert.equal(info.profiles, 1);
    assert.deepEqual(info.problems, []);
    const conv = info.layers[2]!;
    assert.equal(conv.name, 'model.1.conv.weight + QuantizeLinear_27 + Conv_29 + PWN(PWN(Sigmoid_30), Mul_31)');
    assert.equal(conv.layerType, 'CaskConvolution');
    assert.equal(conv.parameterType, 'Convolution');
    assert.equal(conv.tacticValue, '0x1f2e3d4c5b6a7980');
    assert.match(conv.tacticName!, /^sm86_xmma_fprop_implicit_gemm_interleaved_i8i8_f16f32/);
    assert.deepEqual(conv.weights, { type: 'Int8', count: 18432 });
    assert.deepEqual(conv.bias, { type: 'Float', count: 64 });
    assert.deepEqual(conv.inputs[0], {
      name: 'act0',
      location: 'Device',
      dimensions: [1, 32, 320, 320],
      format: 'Thirty-two wide channel vectorized row major Int8 format',
      precision: 'INT8',
      layout: 'NC/32HW32',
    });
    assert.equal(conv.outputs[0]!.precision, 'FP16', 'INT8 in, FP16 out (R19)');
    assert.deepEqual(conv.attributes['Kernel'], [3, 3]);
    assert.equal(conv.attributes['Name'], undefined, 'known fields are not repeated in attributes');
    assert.deepEqual(conv.onnxNodes, []);
    assert.equal(info.layers[0]!.origin, 'QDQ');
    assert.equal(info.layers[6]!.origin, 'REFORMAT');
  });

  test('10.x detailed file: Metadata → ONNX node names, Myelin layers, short types', () => {
    const info = parseLayerInfo(read('trt10-detailed.layerinfo.json'), 'trt10');
    assert.equal(info.style, '10.x');
    assert.equal(info.layers.length, 6);
    assert.deepEqual(info.problems, []);
    assert.deepEqual(
      info.layers.map((l) => l.onnxNodes),
      [
        ['/model.0/conv/input_quantizer/QuantizeLinear'],
        [
          '/model.0/conv/weight_quantizer/QuantizeLinear',
          '/model.0/conv/weight_quantizer/DequantizeLinear',
          '/model.0/conv/input_quantizer/DequantizeLinear',
          '/model.0/conv/Conv',
          '/model.0/act/Sigmoid',
          '/model.0/act/Mul',
        ],
        ['/model.22/Reshape', '/model.22/Transpose'],
        ['/model.22/dfl/conv/Conv'],
        ['/model.22/cv3.0/cv3.0.2/input_quantizer/DequantizeLinear'],
        [],
      ],
    );
    const kgen = info.layers[2]!;
    assert.equal(kgen.layerType, 'kgen');
    assert.deepEqual(kgen.inputs[0], { name: '/model.0/act/Mul_output_0', dimensions: [1, 16, 320, 320], format: 'Int8', precision: 'INT8' });
    assert.equal(kgen.outputs[0]!.precision, 'FP16');
    assert.equal(kgen.metadata, '[ONNX Layer: /model.22/Reshape]\u001f[ONNX Layer: /model.22/Transpose]\u001f[ONNX Layer: /model.22/Reshape]');
    assert.equal(info.layers[1]!.attributes['HasResidual'], 0);
    assert.equal(info.layers[5]!.metadata, '');
  });

  test('Metadata parsing: separators, entries joined without one, other text, empty names', () => {
    assert.deepEqual(parseLayerMetadata('[ONNX Layer: a]\u001e[ONNX Layer: b]\u001f[ONNX Layer: a]'), { onnxNodes: ['a', 'b'], other: [] });
    assert.deepEqual(parseLayerMetadata('[ONNX Layer: a][ONNX Layer: b]'), { onnxNodes: ['a', 'b'], other: [] });
    assert.deepEqual(parseLayerMetadata(' [ONNX Layer: /m/Conv] \u001e\u001ejunk\u001e[ONNX Layer: ]'), { onnxNodes: ['/m/Conv'], other: ['junk'] });
    assert.deepEqual(parseLayerMetadata(''), { onnxNodes: [], other: [] });
  });

  test('candidate source names in fused 8.x layer names', () => {
    assert.deepEqual(layerNameParts('features.0.0.weight + QuantizeLinear_8 + Conv_12 + PWN(Clip_16)'), ['features.0.0.weight', 'QuantizeLinear_8', 'Conv_12', 'Clip_16']);
    assert.deepEqual(layerNameParts('model.0.conv.weight + QuantizeLinear_15 + Conv_17 + PWN(PWN(Sigmoid_18), Mul_19)'), ['model.0.conv.weight', 'QuantizeLinear_15', 'Conv_17', 'Sigmoid_18', 'Mul_19']);
    assert.deepEqual(layerNameParts('{ForeignNode[/model.22/Reshape.../model.22/Concat_3]}'), ['/model.22/Reshape', '/model.22/Concat_3']);
    assert.deepEqual(layerNameParts('Reformatting CopyNode for Input Tensor 0 to GlobalAveragePool_843'), []);
    assert.deepEqual(layerNameParts('Gemm_864 + classifier.1.bias + (Unnamed Layer* 849) [Shuffle] [profile 1]'), ['Gemm_864', 'classifier.1.bias']);
  });

  test('malformed JSON: a typed error naming file, line and column', () => {
    const e = thrown(() => parseLayerInfo(read('malformed.layerinfo.json'), 'malformed.layerinfo.json'));
    assert.equal(e.file, 'malformed.layerinfo.json');
    assert.deepEqual([e.line, e.column], [9, 5]);
    assert.equal(e.message, "malformed.layerinfo.json:9:5: not valid JSON (expected trtexec --exportLayerInfo JSON): expected ',' or '}', found '\"'");
  });

  test('truncated JSON, empty file, a BOM, wrong top-level shapes', () => {
    const text = read('trt8-detailed.layerinfo.json');
    const cut = text.slice(0, text.indexOf('"Outputs"', 500));
    const e = thrown(() => parseLayerInfo(cut, 'cut.json'));
    assert.equal(e.line, cut.split('\n').length);
    assert.match(e.problem, /expected a property name in double quotes, found end of file$/);
    const inString = thrown(() => parseLayerInfo(text.slice(0, text.indexOf('QuantizeLinear_40')), 'cut.json'));
    assert.match(inString.problem, /string not terminated$/);
    assert.match(thrown(() => parseLayerInfo('  \n', 'empty.json')).message, /^empty\.json:1: empty file/);
    assert.equal(parseLayerInfo(`\ufeff${text}`, 'bom').layers.length, 12);
    assert.match(thrown(() => parseLayerInfo('[{"count": 5}]', 'p.json')).message, /found an array \(this looks like an --exportProfile file\)/);
    assert.match(thrown(() => parseLayerInfo('{"performance_summary": {}}', 'm.json')).message, /no "Layers" array \(this looks like a TREx/);
    assert.match(thrown(() => parseLayerInfo('{"Layers": 3}', 'x.json')).message, /^x\.json \(at Layers\): "Layers" is a number, expected an array/);
    assert.match(thrown(() => parseLayerInfo('"Layers"', 'x.json')).message, /found a string/);
    assert.match(thrown(() => parseLayerInfo('\u0000\u0001binary', 'bin')).message, /^bin:1:1: not valid JSON .*found character U\+0000/);
  });

  test('hostile values are skipped with their JSON path; nothing throws, nothing is polluted', () => {
    const info = parseLayerInfo(read('hostile.layerinfo.json'), 'hostile');
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal(info.layers.length, 4);
    assert.equal(info.profiles, 2);
    assert.deepEqual(info.bindings, ['x', 'z']);
    const [a, b, c, d] = info.layers;
    assert.equal(a!.name, 'conv\u0000\u001b[31mred\u001b[0m + Conv_1');
    assert.deepEqual(a!.inputs, [{ name: 'x', precision: 'UNKNOWN' }]);
    assert.deepEqual(a!.outputs, []);
    assert.equal(a!.weights, undefined);
    assert.deepEqual(a!.onnxNodes, ['a]', 'b']);
    assert.equal(Object.getPrototypeOf(a!.attributes), Object.prototype);
    assert.deepEqual(Object.keys(a!.attributes), ['__proto__', 'constructor']);
    assert.equal(b!.name, '(unnamed layer 1)');
    assert.equal(c!.name, 'Conv_2 [profile 1]');
    assert.equal(c!.profile, 1);
    assert.deepEqual(c!.inputs[0]!.dimensions, [1, 1e20, 1, 1]);
    assert.deepEqual(c!.bias, { type: 'Mystery', count: 8 });
    assert.equal(d!.name, 'plain name among objects');
    assert.deepEqual(
      info.problems.map((p) => p.where),
      [
        'Layers[0].Inputs[0].Dimensions',
        'Layers[0].Inputs[0].Format/Datatype',
        'Layers[0].Outputs',
        'Layers[0].TacticValue',
        'Layers[0].Weights',
        'Layers[0].Bias',
        'Layers[1]',
        'Layers[2]',
        'Layers[3].Name',
        'Layers[4].Weights',
        'Bindings[1]',
        'Layers',
      ],
    );
  });

  test('at most 1000 problems are listed, then one line counts the rest', () => {
    const text = JSON.stringify({ Layers: Array.from({ length: 5000 }, () => 7) });
    const info = parseLayerInfo(text, 'many');
    assert.equal(info.layers.length, 0);
    assert.equal(info.problems.length, 1001);
    assert.deepEqual(info.problems[1000], { where: '…', message: '4000 more problems not listed' });
  });
});

describe('engineReport: profile and TREx metadata files', () => {
  test('profile: count record, per-layer records, sums', () => {
    const p = parseProfile(read('trt8-detailed.profile.json'), 'trt8-profile');
    assert.equal(p.iterations, 2000);
    assert.equal(p.records.length, 12);
    assert.equal(p.totalTimeMs, 670);
    assert.equal(p.totalAverageMs, 0.335);
    assert.deepEqual(p.records[2], {
      index: 2,
      name: 'model.1.conv.weight + QuantizeLinear_27 + Conv_29 + PWN(PWN(Sigmoid_30), Mul_31)',
      timeMs: 160,
      averageMs: 0.08,
      medianMs: 0.0791,
      percentage: 23.8806,
    });
    assert.deepEqual(p.problems, []);
  });

  test('profile: older 4-key records (no medianMs) and no count record', () => {
    const p = parseProfile('[{"name":"a","timeMs":2,"averageMs":0.1,"percentage":100}]', 'old');
    assert.equal(p.iterations, undefined);
    assert.deepEqual(p.records, [{ index: 0, name: 'a', timeMs: 2, averageMs: 0.1, percentage: 100 }]);
  });

  test('profile: hostile values', () => {
    const p = parseProfile(read('hostile.profile.json'), 'hostile-profile');
    assert.equal(p.iterations, 10);
    assert.deepEqual(
      p.records.map((r) => r.name),
      ['a', 'b', '__proto__'],
    );
    assert.deepEqual(p.records[0], { index: 0, name: 'a', timeMs: 1e308, percentage: 50 });
    assert.equal(p.totalTimeMs, 0);
    assert.equal(p.totalAverageMs, 0.5);
    assert.deepEqual(
      p.problems.map((x) => x.where),
      ['[0].count', '[1].averageMs', '[1].medianMs', '[2].percentage', '[3].name', '[4]', '[*].timeMs'],
    );
  });

  test('profile: wrong shapes are typed errors', () => {
    assert.match(thrown(() => parseProfile('{"Layers": []}', 'li.json')).message, /^li\.json: expected an array .* \(this looks like an --exportLayerInfo file\)$/);
    assert.match(thrown(() => parseProfile('[{"count": 1},', 'cut.json')).message, /^cut\.json:1:15: not valid JSON/);
  });

  test('TREx metadata with the older 5-value timings', () => {
    const m = parseTrexMetadata(read('older.profile.metadata.json'), 'older');
    assert.equal(m.perf!.throughputQps, 206.6);
    assert.deepEqual(m.perf!.latencyMs, { min: 4.79, max: 5.31, mean: 4.84, median: 4.83, p99: 4.97, percentiles: { '99': 4.97 } });
    assert.equal(m.perf!.enqueueMs, undefined);
    assert.equal(m.perf!.totalGpuComputeS, undefined);
    assert.deepEqual(m.device, { name: 'Orin', computeCapability: '8.7' });
    assert.deepEqual(m.inferenceOptions, { Batch: '1', 'CUDA Graph': 'Enabled' });
    assert.deepEqual(
      m.problems.map((p) => p.where),
      ['performance_summary.Enqueue Time', 'performance_summary.Total GPU Compute Time'],
    );
    assert.match(thrown(() => parseTrexMetadata('{"Layers": []}', 'x')).message, /expected an object with a "performance_summary" object/);
  });
});

describe('engineReport: JSON error location', () => {
  test('line and column of an offset', () => {
    assert.deepEqual(lineColumnAt('ab\ncd\n', 4), { line: 2, column: 2 });
    assert.deepEqual(lineColumnAt('', 0), { line: 1, column: 1 });
  });

  test('locateJsonError agrees with JSON.parse on valid and mutated JSON', () => {
    const mutated = fc.tuple(fc.json(), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', ':', '\\', '\n', '1', 'e', '-', '\u0001', '{', '['), fc.boolean()).map(([s, i, c, drop]) => {
      const at = s.length ? i % s.length : 0;
      return s.slice(0, at) + c + s.slice(at + (drop ? 1 : 0));
    });
    fc.assert(
      fc.property(fc.oneof(fc.json(), mutated), (s) => {
        let valid = true;
        try {
          JSON.parse(s);
        } catch {
          valid = false;
        }
        const found = locateJsonError(s);
        assert.equal(found === undefined, valid, JSON.stringify(s));
        if (found) assert.ok(found.offset >= 0 && found.offset <= s.length);
      }),
      { numRuns: 3000 },
    );
  });

  test('deep nesting and long input stay linear and never overflow the stack', () => {
    const deep = '['.repeat(1_000_000);
    assert.deepEqual(locateJsonError(deep), { offset: deep.length, problem: "expected a value or ']', found end of file" });
    const e = thrown(() => parseJsonText(`{"a": ${'['.repeat(200_000)}}`, 'deep.json', 'x'));
    assert.equal(e.column, 200_007);
  });
});
