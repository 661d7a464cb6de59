/** The rule registry: every rule of docs tensorrt-qdq-rules.md, R1–R31, in document order. */
import type { Rule } from '../rule';
import type { RuleId } from '../types';
import { r1 } from './r01ZeroPoint';
import { r2 } from './r02Uint8';
import { r3 } from './r03ScalePositive';
import { r4 } from './r04ScaleConst';
import { r5 } from './r05ScaleShape';
import { r6 } from './r06PerChannelActivation';
import { r7 } from './r07WeightAxis';
import { r8 } from './r08Dtype';
import { r9 } from './r09Opset';
import { r10 } from './r10QOperators';
import { r11 } from './r11WeightStorage';
import { r12 } from './r12BuildFlags';
import { r13 } from './r13PropagationDirection';
import { r14 } from './r14CommutingOps';
import { r15 } from './r15CommuteScaleShare';
import { r16 } from './r16ConcatScale';
import { r17 } from './r17ConcatMixed';
import { r18 } from './r18ConvInputs';
import { r19 } from './r19ConvOutputQ';
import { r20 } from './r20EpilogueBreak';
import { r21 } from './r21ConvBias';
import { r22 } from './r22ResidualAdd';
import { r23 } from './r23QuantizableNonWeighted';
import { r24 } from './r24NonQuantizable';
import { r25 } from './r25Dangling';
import { r26 } from './r26DoubleQdq';
import { r27 } from './r27Pad';
import { r28 } from './r28Plugin';
import { r29 } from './r29RefitScale';
import { r30 } from './r30ChannelAlign';
import { r31 } from './r31YoloHead';

export const RULES: readonly Rule[] = [
  r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12, r13, r14, r15, r16,
  r17, r18, r19, r20, r21, r22, r23, r24, r25, r26, r27, r28, r29, r30, r31,
];

const byKey = new Map<string, Rule>();
for (const r of RULES) {
  byKey.set(r.meta.id.toUpperCase(), r);
  byKey.set(r.meta.name.toUpperCase(), r);
}

/** Look a rule up by short id (`R16`, `r16`) or long id (`QDQ-CONCAT-SCALE`). */
export function findRule(key: string): Rule | undefined {
  return byKey.get(key.trim().toUpperCase());
}

export function ruleNumber(id: RuleId): number {
  return Number(id.slice(1));
}
