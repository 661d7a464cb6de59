/** R30 QDQ-CHANNEL-ALIGN: INT8 tensor-core channel alignment. */
import { intAttr } from '../ops';
import { isQuantizedPrecision } from '../predict';
import { defineRule, listNames, plural } from '../rule';

export const r30 = defineRule(
  {
    id: 'R30',
    name: 'QDQ-CHANNEL-ALIGN',
    title: 'INT8 tensor-core channel alignment',
    severity: 'info',
    versions: 'all',
    matches: 'A quantized (INT8/FP8) Conv or ConvTranspose whose input channels C or output channels K are not a multiple of 16 (depthwise convolutions excluded), e.g. the 3-channel first conv of a detector.',
    tensorrt: 'TensorRT may pick a non-tensor-core kernel or pad the channels internally; an INT8 first layer with C = 3 often gains little over FP16.',
    fix: 'Consider keeping such layers in FP16 (remove their Q/DQ), or pad channels to a multiple of 16 in the model.',
    sources: ['TREx trex/lint.py (alignment_lint, tc_lint)'],
    coverage: 'full',
  },
  ({ pred, ctx }, emit) => {
    const others: { name: string; c: number; k: number }[] = [];
    for (const w of pred.weighted.values()) {
      const node = ctx.nodes[w.node]!;
      if (node.opType !== 'Conv' && node.opType !== 'ConvTranspose') continue;
      if (!isQuantizedPrecision(pred.precision[w.node]) || pred.precision[w.node] === 'INT4') continue;
      const dims = ctx.dataShape(node.input[w.weightIndex] ?? '');
      if (!dims || dims.length < 2) continue;
      const group = intAttr(node, 'group') ?? 1;
      const [c, k] = node.opType === 'Conv' ? [dims[1]! * group, dims[0]!] : [dims[0]!, dims[1]! * group];
      if (group > 1 && group === c) continue; // depthwise
      if (c % 16 === 0 && k % 16 === 0) continue;
      if (c > 4) {
        others.push({ name: ctx.name(w.node), c, k });
        continue;
      }
      emit({
        severity: 'info',
        message: `${ctx.name(w.node)} runs ${pred.precision[w.node]} with only ${c} input channels (and ${k} outputs): tensor-core INT8 kernels need multiples of 16, so this layer gains little over FP16.`,
        nodes: [ctx.name(w.node)],
        data: { inputChannels: c, outputChannels: k, group },
      });
    }
    if (others.length) {
      const names = others.map((o) => o.name);
      emit({
        severity: 'info',
        message: `${plural(others.length, 'quantized convolution')} (${listNames(names.map((n, i) => `${n} ${others[i]!.c}→${others[i]!.k}`), 3)}) ${others.length === 1 ? 'has' : 'have'} channel counts that are not multiples of 16: TensorRT may pad them or pick a non-tensor-core kernel.`,
        nodes: names,
        data: { layers: others },
      });
    }
  },
);
