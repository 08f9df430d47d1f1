import { EXAMPLE_COVER_TYPE, EXAMPLE_FEATURES, NUMERIC_FEATURE_NAMES } from '@covertype/schema';
import { z } from 'zod';

const TensorSchema = z.object({
  name: z.string(),
  shape: z.array(z.number().int().min(0)),
  datatype: z.string(),
  data: z.array(z.unknown()),
  parameters: z.record(z.string(), z.unknown()).optional(),
});
export const InferRequestSchema = z
  .object({
    id: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    inputs: z.array(TensorSchema),
    outputs: z.array(z.object({ name: z.string() })).optional(),
  })
  .meta({
    example: {
      id: 'req-1',
      inputs: [
        {
          name: 'numeric',
          shape: [1, 10],
          datatype: 'FP32',
          data: NUMERIC_FEATURE_NAMES.map((name) => EXAMPLE_FEATURES[name]),
        },
        {
          name: 'Wilderness_Area',
          shape: [1, 1],
          datatype: 'BYTES',
          data: [EXAMPLE_FEATURES.Wilderness_Area],
        },
        { name: 'Soil_Type', shape: [1, 1], datatype: 'INT64', data: [EXAMPLE_FEATURES.Soil_Type] },
      ],
    },
  });
export const InferResponseSchema = z
  .object({
    model_name: z.string(),
    model_version: z.string().optional(),
    id: z.string().optional(),
    outputs: z.array(
      z.object({
        name: z.string(),
        shape: z.array(z.number().int()),
        datatype: z.string(),
        data: z.array(z.number()),
      }),
    ),
  })
  .meta({
    description: 'label INT64 [N] (classes 1..7) and probabilities FP32 [N,7], flattened row by row',
    example: {
      model_name: 'covertype',
      model_version: '3',
      id: 'req-1',
      outputs: [
        { name: 'label', shape: [1], datatype: 'INT64', data: [EXAMPLE_COVER_TYPE] },
        {
          name: 'probabilities',
          shape: [1, 7],
          datatype: 'FP32',
          data: [0.02, 0.09, 0.01, 0, 0.85, 0.02, 0.01],
        },
      ],
    },
  });
const TensorMeta = z.object({
  name: z.string(),
  datatype: z.string(),
  shape: z.array(z.number().int()).meta({ description: '-1 for a dimension of any size' }),
});
export const ModelMetadataSchema = z
  .object({
    name: z.string(),
    versions: z.array(z.string()).optional(),
    platform: z.string(),
    inputs: z.array(TensorMeta),
    outputs: z.array(TensorMeta),
  })
  .meta({ description: "The model's name, version, platform and input and output tensors" });
export const V2Error = z.object({
  error: z.string().meta({ description: 'What arrived and what was expected' }),
});
export const NOT_READY = 'No model loaded yet (Retry-After)';
// Each route declares exactly the parameters of its path: OpenAPI makes every path parameter required.
export const NameParams = z.object({ name: z.string().meta({ description: 'Registered model name' }) });
export const VersionParams = NameParams.extend({
  version: z.string().meta({ description: 'Registered model version' }),
});

export const ServerMetadataSchema = z
  .object({ name: z.string(), version: z.string(), extensions: z.array(z.string()) })
  .meta({ description: 'Server name, version and protocol extensions (none)' });
export const LiveSchema = z.object({ live: z.boolean() }).meta({ description: 'The process is up' });
export const ServerReadySchema = z
  .object({ ready: z.boolean() })
  .meta({ description: 'The default model is loaded' });
export const ModelReadySchema = z
  .object({ name: z.string(), ready: z.boolean() })
  .meta({ description: 'The model is loaded and ready' });
