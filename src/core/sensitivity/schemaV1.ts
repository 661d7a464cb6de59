/**
 * The JSON Schema (draft 2020-12) of our own sensitivity format, version 1. This object is the
 * source of truth: `docs/schemas/qdq-sensitivity-v1.schema.json` is written from it by
 * `scripts/write-sensitivity-schema.ts`, and a unit test fails when the two differ. Described for
 * people in `docs/sensitivity-format.md`.
 *
 * Changing it: additions that old readers can ignore stay version 1 only if they go under an
 * `x-` name; anything else is version 2 (a new file next to this one, and the reader keeps both).
 */
export const QDQ_SENSITIVITY_FORMAT = 'qdq-sensitivity';
export const QDQ_SENSITIVITY_VERSION = 1;

const extensions = { '^x-': {} } as const;

export const SENSITIVITY_SCHEMA_V1 = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'urn:qdq-studio:schema:qdq-sensitivity:1',
  title: 'QDQ Studio sensitivity result, version 1',
  description:
    'Per-layer sensitivity to quantization: for each layer (a PyTorch module path such as model.22 or an ONNX node name), ' +
    'one or more metrics, each declared once with its direction and its baseline. See docs/sensitivity-format.md.',
  type: 'object',
  required: ['format', 'version', 'source', 'metrics', 'layers'],
  properties: {
    $schema: { type: 'string', description: 'Optional: where editors find this schema.' },
    format: { const: QDQ_SENSITIVITY_FORMAT, description: 'Identifies the file.' },
    version: { const: QDQ_SENSITIVITY_VERSION, description: 'Format version; readers refuse versions they do not know.' },
    source: {
      type: 'object',
      description: 'Who produced the numbers.',
      required: ['tool'],
      properties: {
        tool: { type: 'string', minLength: 1, description: 'Producing tool, e.g. yolov9-qat, modelopt, qdq-studio.' },
        version: { type: 'string', description: "The tool's version." },
        command: { type: 'string', description: 'The command line that produced the file.' },
        model: { type: 'string', description: 'The model (checkpoint or ONNX file) that was measured.' },
        createdAt: { type: 'string', description: 'When, as an ISO 8601 date-time.' },
      },
      patternProperties: extensions,
      additionalProperties: false,
    },
    metrics: {
      type: 'object',
      description: 'Metric name -> how to read it. The first metric is the default for ranking.',
      minProperties: 1,
      propertyNames: { minLength: 1 },
      additionalProperties: { $ref: '#/$defs/metric' },
    },
    layers: {
      type: 'array',
      description: 'One entry per layer, in any order; names are unique.',
      minItems: 1,
      items: { $ref: '#/$defs/layer' },
    },
  },
  patternProperties: extensions,
  additionalProperties: false,
  $defs: {
    metric: {
      type: 'object',
      required: ['direction'],
      properties: {
        direction: {
          enum: ['higher-is-more-sensitive', 'lower-is-more-sensitive'],
          description:
            'higher-is-more-sensitive: a larger value means quantizing this layer costs more (e.g. AP with the layer left in FP16); ' +
            'lower-is-more-sensitive: a smaller value means it costs more (e.g. SQNR of the quantized layer).',
        },
        baseline: {
          type: 'number',
          description: 'The value for the reference configuration (e.g. AP of the fully quantized model); delta = value - baseline. Leave it out when there is none: views then show the values.',
        },
        description: { type: 'string' },
        unit: { type: 'string', description: 'e.g. "AP", "dB".' },
      },
      patternProperties: extensions,
      additionalProperties: false,
    },
    layer: {
      type: 'object',
      required: ['name', 'values'],
      properties: {
        name: { type: 'string', minLength: 1, description: 'PyTorch module path (model.22, model.22.cv2.0.0.conv) or ONNX node name.' },
        kind: {
          enum: ['module', 'node'],
          description: 'What name is; when absent, a name that is an ONNX node of the model is a node, anything else a module.',
        },
        values: {
          type: 'object',
          description: 'Metric name (declared in metrics) -> finite number. Leave out metrics not measured for this layer.',
          minProperties: 1,
          additionalProperties: { type: 'number' },
        },
      },
      patternProperties: extensions,
      additionalProperties: false,
    },
  },
} as const;
