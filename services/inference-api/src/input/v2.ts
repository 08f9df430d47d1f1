import { MODEL_INPUT_NAMES, MODEL_OUTPUT_NAMES, type ModelInputRow } from '@covertype/schema';
import { InvalidFieldError } from '../errors.ts';
import { kindOf } from './row.ts';
import { rowsFromModelTensors } from './tables.ts';

/** The body of an Open Inference Protocol (KServe V2) inference request as rows. */

const ACCEPTED: Record<string, readonly string[]> = {
  [MODEL_INPUT_NAMES.numeric]: ['FP32', 'FP64', 'INT32', 'INT64'],
  [MODEL_INPUT_NAMES.wilderness]: ['BYTES'],
  [MODEL_INPUT_NAMES.soil]: ['INT64', 'INT32'],
};
const OUTPUTS = new Set<string>([MODEL_OUTPUT_NAMES.label, MODEL_OUTPUT_NAMES.probabilities]);

export interface ParsedInfer {
  id?: string | undefined;
  rows: ModelInputRow[];
  outputs?: string[] | undefined;
}

export function checkInfer(body: unknown, maxBatch: number): ParsedInfer {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { inputs?: unknown }).inputs)) {
    throw new InvalidFieldError(
      'body',
      `expected an inference request with an inputs array, got ${kindOf(body)}`,
      'inputs',
    );
  }
  const req = body as { id?: unknown; inputs: unknown[]; outputs?: unknown };
  if (req.id !== undefined && typeof req.id !== 'string')
    throw new InvalidFieldError('id', 'expected a string');
  const tensors: Record<string, unknown[]> = {};
  req.inputs.forEach((t, i) => {
    const where = `inputs[${i}]`;
    if (typeof t !== 'object' || t === null) throw new InvalidFieldError(where, 'expected a tensor object');
    const { name, datatype, shape, data } = t as Record<string, unknown>;
    if (typeof name !== 'string' || !(name in ACCEPTED)) {
      throw new InvalidFieldError(
        `${where}.name`,
        `unknown input ${JSON.stringify(name)}; the model takes ${Object.keys(ACCEPTED).join(', ')}`,
      );
    }
    if (typeof datatype !== 'string' || !ACCEPTED[name]!.includes(datatype)) {
      throw new InvalidFieldError(
        `${where}.datatype`,
        `${name} takes ${ACCEPTED[name]!.join(' or ')}, got ${JSON.stringify(datatype)}`,
      );
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new InvalidFieldError(`${where}.shape`, 'expected a list of non-negative integers');
    }
    if (!Array.isArray(data))
      throw new InvalidFieldError(`${where}.data`, `expected an array, got ${kindOf(data)}`);
    const flat = data.length > 0 && Array.isArray(data[0]) ? (data.flat(Infinity) as unknown[]) : data;
    const expected = (shape as number[]).reduce((a, b) => a * b, 1);
    if (flat.length !== expected) {
      throw new InvalidFieldError(
        `${where}.data`,
        `has ${flat.length} values, shape [${shape.join(',')}] needs ${expected}`,
      );
    }
    const width = name === MODEL_INPUT_NAMES.numeric ? 10 : 1;
    if ((shape as number[]).at(-1) !== width && !(width === 1 && shape.length === 1)) {
      throw new InvalidFieldError(`${where}.shape`, `${name} must be [N,${width}], got [${shape.join(',')}]`);
    }
    tensors[name] = flat;
  });
  if (!tensors[MODEL_INPUT_NAMES.numeric])
    throw new InvalidFieldError('inputs', 'the numeric input [N,10] is required');
  let outputs: string[] | undefined;
  if (req.outputs !== undefined) {
    if (!Array.isArray(req.outputs)) throw new InvalidFieldError('outputs', 'expected a list of {name}');
    outputs = req.outputs.map((o, i) => {
      const name = (o as { name?: unknown })?.name;
      if (typeof name !== 'string' || !OUTPUTS.has(name)) {
        throw new InvalidFieldError(
          `outputs[${i}].name`,
          `unknown output ${JSON.stringify(name)}; the model has label, probabilities`,
        );
      }
      return name;
    });
  }
  const rows = rowsFromModelTensors(
    tensors[MODEL_INPUT_NAMES.numeric],
    tensors[MODEL_INPUT_NAMES.wilderness],
    tensors[MODEL_INPUT_NAMES.soil],
    maxBatch,
    'inputs',
  );
  return { id: req.id as string | undefined, rows, outputs };
}
