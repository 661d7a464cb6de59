/** R25 QDQ-DANGLING: unpaired, unread or pre-quantized Q/DQ. */
import type { FixEdit } from '../fix';
import { defineRule, listNames, plural } from '../rule';

export const r25 = defineRule(
  {
    id: 'R25',
    name: 'QDQ-DANGLING',
    title: 'Unpaired or unused Q/DQ',
    severity: 'error',
    versions: 'all',
    matches: '(a) a QuantizeLinear read by anything other than DequantizeLinear, or a graph output (error); (b) an activation DequantizeLinear whose input does not come from a Q, e.g. an INT8 graph input (warning); (c) a DequantizeLinear on a constant with no Q, i.e. a pre-quantized weight (info); and Q/DQ nodes whose output nobody reads (info).',
    tensorrt: '(a) the consumer receives an INT8 tensor it cannot take (a build error, or an INT8 network output the application must handle); (b) is allowed only if the network input is declared INT8; (c) is the normal pre-quantized weight form. Unread nodes are dropped. TREx lists survivors as "Unfused Quantize/Dequantize layer".',
    fix: 'Pair every Q with a DQ; remove unread Q/DQ pairs (export post-processing such as yolov9-qat\'s redundant-Q/DQ removal leaves them behind).',
    sources: ['TensorRT NvInfer.h (Q outputs a quantized type; DQ input must be quantized)', 'TREx trex/lint.py (QDQLinter)'],
    coverage: 'partial',
    limits: 'Case (b) does not know whether the application declares the network input INT8; behaviour of (a) was not verified on every version (medium confidence in the rules document).',
  },
  ({ qdqList, ctx, qdq }, emit) => {
    const unread: string[] = [];
    /** Of `unread`: the DQs whose Q only they read (the pair goes as a whole), and the other nodes. */
    const unreadPairs: string[] = [];
    const unreadLone: string[] = [];
    const unreadEdits: FixEdit[] = [];
    const preQuantized: string[] = [];
    for (const info of qdqList) {
      const readers = ctx.allConsumers(info.output);
      const isOut = ctx.graphOutputs.has(info.output);
      if (info.kind === 'Q') {
        const bad = readers.filter((c) => qdq.get(c)?.kind !== 'DQ');
        if (bad.length || isOut) {
          const who = bad.map((c) => ctx.name(c));
          emit({
            severity: 'error',
            message: `${info.name}: its quantized output is ${who.length ? `read by ${listNames(who)} (not a DequantizeLinear)` : ''}${who.length && isOut ? ' and is ' : ''}${isOut ? 'a graph output' : ''}; TensorRT passes an INT8 tensor there.`,
            nodes: [info.name, ...who],
            data: { readers: who, graphOutput: isOut },
          });
        } else if (readers.length === 0) {
          unread.push(info.name);
          unreadLone.push(info.name);
          unreadEdits.push({ kind: 'removeQdqPair', quantize: info.name, dequantize: null });
        }
        continue;
      }
      if (readers.length === 0 && !isOut) {
        unread.push(info.name);
        const q = info.pairedQ === undefined ? undefined : qdq.get(info.pairedQ);
        if (q && q.pairedDq.length === 1 && ctx.allConsumers(q.output).length === 1) {
          unread.push(q.name);
          unreadPairs.push(info.name);
          unreadEdits.push({ kind: 'removeQdqPair', quantize: q.name, dequantize: info.name });
        } else unreadLone.push(info.name);
      }
      if (info.pairedQ !== undefined) continue;
      if (info.isWeight) {
        preQuantized.push(info.name);
        continue;
      }
      const origin = ctx.producer(info.input);
      emit({
        severity: 'warning',
        message: `${info.name} dequantizes ${info.input}, which ${origin === undefined ? (ctx.graphInputs.has(info.input) ? 'is a graph input' : 'has no producer') : `comes from ${ctx.name(origin)} (${ctx.nodes[origin]!.opType})`}, not from a QuantizeLinear: allowed only when that tensor is declared INT8.`,
        nodes: [info.name],
        data: { input: info.input, graphInput: ctx.graphInputs.has(info.input) },
      });
    }
    if (unread.length) {
      emit({
        severity: 'info',
        // Counted as a user sees them: a pair whose DQ nobody reads is one unused pair (its Q is read, by that DQ).
        message: `${[
          unreadPairs.length && `${plural(unreadPairs.length, 'Q/DQ pair')} whose DequantizeLinear output nobody reads (${listNames(unreadPairs)})`,
          unreadLone.length && `${plural(unreadLone.length, 'Q/DQ node')} whose output nobody reads (${listNames(unreadLone)})`,
        ]
          .filter(Boolean)
          .join(' and ')}; TensorRT drops ${unread.length === 1 ? 'it' : 'them'}.`,
        nodes: unread,
        data: { count: unread.length, pairs: unreadPairs.length },
        ...(unreadEdits.length ? { fix: { title: `Remove ${plural(unreadEdits.length, 'unused Q/DQ pair')}`, edits: unreadEdits } } : {}),
      });
    }
    if (preQuantized.length) {
      emit({
        severity: 'info',
        message: `${plural(preQuantized.length, 'DequantizeLinear')} (${listNames(preQuantized)}) read pre-quantized constants with no Q: the normal pre-quantized weight form.`,
        nodes: preQuantized,
        data: { count: preQuantized.length },
      });
    }
  },
);
