/**
 * Test support: a small Q/DQ model with two Concats linked through one shared quantizer, as in the
 * yolov9-qat necks (`sharedUpsampleDq`): `/model.3`'s Q/DQ on `/model.0`'s output feeds both
 * `/model.4/Concat` and `/model.5/Concat`, whose other inputs are quantized with other scales. The
 * analysis reports R16 on each Concat with the same fix (one unify over the linked set), so one fix
 * clears two findings.
 */
import { ModelBuilder } from './modelBuilder';

export function linkedConcats(): Uint8Array {
  const b = new ModelBuilder({ opset: 13, qdq: 'good' });
  const x = b.input('images', 'FLOAT', [1, 3, 16, 16]);
  const a = b.convSilu(x, { module: 'model.0', cout: 4, k: 1 });
  const p = b.convSilu(x, { module: 'model.1', cout: 4, k: 1 });
  const q = b.convSilu(x, { module: 'model.2', cout: 4, k: 1 });
  const shared = b.qdq(a, { scope: '/model.3/_input_quantizer', kind: 'activation', group: 'shared' });
  const c1 = b.concat([a, p], { scope: '/model.4', quantized: [shared, undefined], group: 'g1' });
  const c2 = b.concat([a, q], { scope: '/model.5', quantized: [shared, undefined], group: 'g2' });
  b.output(b.convSilu(c1, { module: 'model.6', cout: 4, k: 1 }), 'o1');
  b.output(b.convSilu(c2, { module: 'model.7', cout: 4, k: 1 }), 'o2');
  return b.toBytes();
}
