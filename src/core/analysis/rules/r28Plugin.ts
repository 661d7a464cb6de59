/** R28 QDQ-PLUGIN: plugins and Q/DQ. */
import { isCustomOp } from '../ops';
import { defineRule } from '../rule';

export const r28 = defineRule(
  {
    id: 'R28',
    name: 'QDQ-PLUGIN',
    title: 'Q/DQ around plugins are not fused',
    severity: 'info',
    versions: 'all',
    matches: 'A custom op (non-standard domain, a TensorRT plugin) with a DequantizeLinear on an input or a QuantizeLinear on an output.',
    tensorrt: 'Q/DQ are not fused into plugins automatically: the plugin sees float I/O and the Q/DQ run standalone, unless the plugin is written for INT8 and the Q/DQ are removed (their scales passed to the plugin).',
    fix: 'Remove the Q/DQ around the plugin, or give the plugin INT8 I/O and pass the scales to it.',
    sources: ['TensorRT developer guide "Q/DQ Interaction with Plugins"'],
    coverage: 'full',
  },
  ({ ctx, prop, qdq }, emit) => {
    ctx.nodes.forEach((n, i) => {
      if (!isCustomOp(n) || qdq.has(i)) return;
      const dqIn = n.input.filter((x) => x && prop.isQuantized(x));
      const qOut = n.output.flatMap((o) => (o ? prop.backward(o).qs : []));
      if (!dqIn.length && !qOut.length) return;
      emit({
        severity: 'info',
        message: `${ctx.name(i)} (${n.domain}::${n.opType}) is a plugin with ${[dqIn.length ? `${dqIn.length} dequantized input${dqIn.length > 1 ? 's' : ''}` : '', qOut.length ? `${qOut.length} quantized output${qOut.length > 1 ? 's' : ''}` : ''].filter(Boolean).join(' and ')}: the Q/DQ are not fused into it and run standalone.`,
        nodes: [ctx.name(i)],
        data: { domain: n.domain, opType: n.opType, dequantizedInputs: dqIn.length, quantizedOutputs: qOut.length },
      });
    });
  },
);
