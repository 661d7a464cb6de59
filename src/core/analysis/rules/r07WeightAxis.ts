/** R7 QDQ-WEIGHT-AXIS: the right per-channel axis for each weighted op. */
import { intAttr } from '../ops';
import { defineRule, listNames, plural } from '../rule';

export const r7 = defineRule(
  {
    id: 'R7',
    name: 'QDQ-WEIGHT-AXIS',
    title: 'Per-channel weight scales on the right axis',
    severity: 'error',
    versions: 'all',
    matches: 'A per-channel weight Q/DQ whose axis is not the output-channel axis TensorRT expects: Conv weight [K, C/g, kH, kW] axis 0; ConvTranspose weight [C, K/g, kH, kW] axis 0; Gemm with transB=1 axis 0; Gemm with transB=0 or MatMul with a constant [C, K] weight axis 1 (the last). Per-tensor weight scales are reported as info.',
    tensorrt: 'A wrong axis gives a scale-count mismatch (parser error) or, for ConvTranspose with axis 1, silently wrong results in 8.x: TensorRT kernels do not support per-output-channel deconvolution weights.',
    fix: 'Set the weight quantizer axis to the expected one (pytorch-quantization uses axis 0 for ConvTranspose since this issue) and re-export; prefer per-channel over per-tensor weight scales.',
    sources: ['TensorRT developer guide "ONNX Support" (Gemm axis)', 'https://github.com/NVIDIA/TensorRT/issues/2380', 'https://github.com/NVIDIA/TensorRT/issues/1694'],
    coverage: 'partial',
    limits: 'Checked only where the weight DQ feeds the op directly; a Transpose/Reshape between the DQ and the op (which moves the axis) is not followed.',
  },
  ({ pred, ctx, qdq }, emit) => {
    const perTensor: string[] = [];
    for (const w of pred.weighted.values()) {
      const dq = w.weightDq;
      if (!dq) continue;
      const node = ctx.nodes[w.node]!;
      if (node.input[w.weightIndex] !== dq.output) continue; // through Transpose/Reshape: not followed
      if (dq.granularity === 'tensor') {
        perTensor.push(ctx.name(w.node));
        continue;
      }
      if (dq.granularity !== 'channel') continue;
      const rank = ctx.dataShape(dq.input)?.length ?? 2;
      let expected = 0;
      if (node.opType === 'Gemm') expected = (intAttr(node, 'transB') ?? 0) === 1 ? 0 : 1;
      else if (node.opType === 'MatMul') expected = rank - 1;
      const nodes = [dq.name, ...(dq.pairedQ !== undefined ? [qdq.get(dq.pairedQ)!.name] : [])];
      for (const name of nodes) {
        const info = name === dq.name ? dq : qdq.get(dq.pairedQ!)!;
        const raw = info.axis;
        const axis = raw === undefined ? 0 : raw < 0 ? raw + rank : raw; // TensorRT's parser default for weights is 0
        if (axis === expected) continue;
        const deconv = node.opType === 'ConvTranspose' && axis === 1;
        emit({
          severity: 'error',
          message: `${info.name} quantizes the weight of ${ctx.name(w.node)} (${node.opType}) per channel on axis ${axis}${raw === undefined ? ' (no axis attribute: TensorRT uses 0)' : ''}; TensorRT expects axis ${expected}${deconv ? ': per-output-channel ConvTranspose weights give wrong results' : ''}.`,
          nodes: [info.name, ctx.name(w.node)],
          data: { axis, expected, opType: node.opType, op: ctx.name(w.node) },
          fix: { title: `Quantize the weight of ${ctx.name(w.node)} on axis ${expected}`, edits: nodes.map((n) => ({ kind: 'setAttribute' as const, node: n, name: 'axis', value: expected })), recalibrate: true },
        });
      }
    }
    if (perTensor.length) {
      emit({
        severity: 'info',
        message: `${plural(perTensor.length, 'weighted op')} (${listNames(perTensor)}) ${perTensor.length === 1 ? 'uses' : 'use'} a per-tensor weight scale: legal, usually less accurate than per-channel.`,
        nodes: perTensor,
        data: { count: perTensor.length },
      });
    }
  },
);
