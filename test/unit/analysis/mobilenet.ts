/**
 * A MobileNetV2 (torchvision layout: 17 inverted-residual blocks, 10 of them with a residual Add,
 * then a 1×1 conv to 1280, GlobalAveragePool and the classifier Gemm) with pytorch-quantization's
 * QAT placement: Q/DQ on every conv and Gemm input and weight, ReLU6 as Clip. `residuals: true`
 * also quantizes the skip input of every residual Add, sharing the scale of the next block's input
 * quantizer (the "mobilenet_v2_residuals" variant of TREx's examples); `false` leaves it float.
 * Channel counts are divided by 4 to keep the model small; the topology is unchanged.
 */
import type { ModelBuilder, TensorRef } from './kit';
import { conv, op, qdq, start } from './kit';
import { float32Payload } from '../../support/builder/weights';

const SETTINGS: [t: number, c: number, n: number, s: number][] = [
  [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1],
];

export function mobilenetV2(o: { residuals: boolean }): { b: ModelBuilder; residualAdds: number } {
  const { b, x } = start({ c: 3 });
  const scale = (k: number): number => Math.fround(0.01 + 0.001 * k);
  let k = 0;
  const lo = b.initializer('relu6.min', 'FLOAT', [], float32Payload([0]));
  const hi = b.initializer('relu6.max', 'FLOAT', [], float32Payload([6]));
  const convBn = (t: TensorRef, scope: string, cout: number, kk: number, group = 1, act = true, inScale = scale(k++)): TensorRef => {
    const i = qdq(b, t, { scope: `${scope}/_input_quantizer`, scale: inScale });
    const c = conv(b, i.out, { scope, cout, k: kk, group, bias: true });
    return act ? op(b, 'Clip', [c.out, lo, hi], `${scope}/relu6`).out : c.out;
  };
  const ch = (c: number): number => c / 4;
  let y = convBn(x, '/features.0', ch(32), 3);
  let cin = ch(32);
  let idx = 1;
  let residualAdds = 0;
  for (const [t, c, n, s] of SETTINGS) {
    for (let r = 0; r < n; r++) {
      const stride = r === 0 ? s : 1;
      const cout = ch(c);
      const scope = `/features.${idx++}`;
      const res = stride === 1 && cin === cout;
      // One input quantizer per block input; the skip quantizer (residuals) shares its scale.
      const blockScale = scale(k++);
      let h = y;
      if (t !== 1) h = convBn(h, `${scope}/conv.0`, cin * t, 1, 1, true, blockScale);
      h = convBn(h, `${scope}/conv.1`, cin * t, 3, cin * t, true, t === 1 ? blockScale : scale(k++));
      h = convBn(h, `${scope}/conv.2`, cout, 1, 1, false);
      if (res) {
        const skip = o.residuals ? qdq(b, y, { scope: `${scope}/_skip_quantizer`, scale: blockScale }).out : y;
        h = op(b, 'Add', [skip, h], `${scope}/add`).out;
        residualAdds++;
      }
      y = h;
      cin = cout;
    }
  }
  y = convBn(y, `/features.${idx}`, ch(1280), 1);
  const gap = op(b, 'GlobalAveragePool', [y], '/avgpool', { shape: [1, ch(1280), 1, 1] }).out;
  const flat = op(b, 'Flatten', [gap], '/flatten', { shape: [1, ch(1280)] }).out;
  const fcIn = qdq(b, flat, { scope: '/classifier/_input_quantizer', scale: scale(k++) });
  const w = b.initializer('classifier.weight', 'FLOAT', [125, ch(1280)], float32Payload(new Array(125 * ch(1280)).fill(0.01)));
  const wq = qdq(b, w, { scope: '/classifier/_weight_quantizer', scale: new Array(125).fill(0.001), axis: 0 });
  b.output(op(b, 'Gemm', [fcIn.out, wq.out], '/classifier', { attrs: { transB: 1 }, shape: [1, 125] }).out, 'logits');
  return { b, residualAdds };
}
