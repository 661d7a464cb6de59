/**
 * The properties panel's data: what the host tells the webview about one node when it is selected
 * (attributes, inputs and outputs with dtypes and shapes, Q/DQ scale and zero-point values,
 * weights with statistics). Computed in the host on request; tensors never cross, only summaries
 * and the (small) Q/DQ parameter values.
 */
import type { GraphRefDto } from './graphView';

export interface AttributeDto {
  readonly name: string;
  /** ONNX attribute type name: INT, FLOATS, GRAPH, TENSOR, ... */
  readonly type: string;
  /** Display text (lists are cut after 64 values; tensors are summarised). */
  readonly value: string;
}

export interface TensorStatsDto {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly std: number;
  /** Elements equal to zero. */
  readonly zeros: number;
  /** NaN or infinite elements (left out of the other figures). */
  readonly nonFinite: number;
}

/** A constant input (initializer or Constant node): summary and statistics, never the data. */
export interface WeightDto {
  readonly dtype: string;
  readonly shape: number[];
  readonly bytes?: number;
  readonly external?: true;
  readonly constantNode?: string;
  readonly stats?: TensorStatsDto;
  /** Why there are no statistics (too large, unreadable, not numeric). */
  readonly statsNote?: string;
  /** The constant's own name, when the input reads it through Q/DQ (the input is the DQ's output). */
  readonly tensor?: string;
  /**
   * A weight read through Q/DQ: the QuantizeLinear (absent for a stored quantized weight) and the
   * DequantizeLinear it goes through (node labels). The statistics are the constant's.
   */
  readonly through?: { readonly quantize?: string; readonly dequantize: string };
}

export interface TensorInfoDto {
  readonly name: string;
  readonly dtype?: string;
  readonly shape?: (number | string | null)[];
  /** Producer node label (inputs) or reader labels (outputs), when operators. */
  readonly producer?: string;
  readonly consumers?: string[];
  readonly graphInput?: true;
  readonly graphOutput?: true;
  readonly weight?: WeightDto;
}

/** Scale or zero-point values of a Q/DQ node: every channel (up to `MAX_QDQ_VALUES`), with the range. */
export interface QdqValuesDto {
  readonly tensor: string;
  readonly dtype: string;
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly values: number[];
  /** True when `values` holds only the first MAX_QDQ_VALUES. */
  readonly truncated?: true;
}

export const MAX_QDQ_VALUES = 16_384;

export interface QdqDetailsDto {
  readonly kind: 'QuantizeLinear' | 'DequantizeLinear';
  readonly granularity: 'per-tensor' | 'per-channel' | 'per-block';
  readonly axis?: number;
  readonly blockSize?: number;
  readonly scale?: QdqValuesDto;
  readonly zeroPoint?: QdqValuesDto;
  /** Quantized type (zero point type or output_dtype), when known. */
  readonly quantizedType?: string;
  readonly error?: string;
}

export interface NodePropertiesDto {
  /** Index of the node in its graph. */
  readonly node: number;
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly docString?: string;
  readonly attributes: AttributeDto[];
  readonly inputs: TensorInfoDto[];
  readonly outputs: TensorInfoDto[];
  readonly qdq?: QdqDetailsDto;
}

/** Webview -> host: properties of node `node` of graph `ref`. */
export interface RequestPropertiesMessage {
  readonly type: 'requestProperties';
  readonly requestId: number;
  readonly ref: GraphRefDto;
  readonly node: number;
}

/** Host -> webview: the answer to `requestProperties`. */
export interface PropertiesMessage {
  readonly type: 'properties';
  readonly inReplyTo: number;
  readonly properties?: NodePropertiesDto;
  readonly error?: string;
}
