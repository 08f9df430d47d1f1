import protobuf from 'protobufjs';

/**
 * The part of onnx/onnx.proto (IR version 8, field numbers unchanged since) that a tree-ensemble
 * model needs, as a protobufjs descriptor: no .proto file to ship or parse at run time.
 */
const descriptor = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            floats: { rule: 'repeated', type: 'float', id: 7, options: { packed: true } },
            ints: { rule: 'repeated', type: 'int64', id: 8, options: { packed: true } },
            strings: { rule: 'repeated', type: 'bytes', id: 9 },
            docString: { type: 'string', id: 13 },
            type: { type: 'AttributeType', id: 20 },
          },
          nested: {
            AttributeType: {
              values: {
                UNDEFINED: 0,
                FLOAT: 1,
                INT: 2,
                STRING: 3,
                TENSOR: 4,
                FLOATS: 6,
                INTS: 7,
                STRINGS: 8,
              },
            },
          },
        },
        ValueInfoProto: {
          fields: {
            name: { type: 'string', id: 1 },
            type: { type: 'TypeProto', id: 2 },
            docString: { type: 'string', id: 3 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            docString: { type: 'string', id: 6 },
            domain: { type: 'string', id: 7 },
          },
        },
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            modelVersion: { type: 'int64', id: 5 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            metadataProps: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
        StringStringEntryProto: {
          fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } },
        },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            docString: { type: 'string', id: 10 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
            valueInfo: { rule: 'repeated', type: 'ValueInfoProto', id: 13 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 },
            floatData: { rule: 'repeated', type: 'float', id: 4, options: { packed: true } },
            int32Data: { rule: 'repeated', type: 'int32', id: 5, options: { packed: true } },
            stringData: { rule: 'repeated', type: 'bytes', id: 6 },
            int64Data: { rule: 'repeated', type: 'int64', id: 7, options: { packed: true } },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
          },
        },
        TensorShapeProto: {
          fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
              fields: {
                dimValue: { type: 'int64', id: 1 },
                dimParam: { type: 'string', id: 2 },
                denotation: { type: 'string', id: 3 },
              },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensorType'] } },
          fields: { tensorType: { type: 'Tensor', id: 1 }, denotation: { type: 'string', id: 6 } },
          nested: {
            Tensor: {
              fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } },
            },
          },
        },
        OperatorSetIdProto: {
          fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor);
/** The ONNX schema as declared: decoding, inspection in tests. */
export const ModelProto = root.lookupType('onnx.ModelProto');

// For encoding, `floats` and `ints` are declared as bytes with the same field numbers: a packed
// repeated field is exactly one length-delimited blob on the wire, so the exporter writes the big
// node arrays as one pre-encoded buffer each instead of one protobufjs writer op per number
// (that took ~300 MB for a 2,100-tree model). Decoding with ModelProto reads them back as numbers.
const encodeDescriptor = structuredClone(descriptor);
const attrFields = encodeDescriptor.nested.onnx.nested.AttributeProto.fields as Record<string, unknown>;
attrFields.floats = { type: 'bytes', id: 7 };
attrFields.ints = { type: 'bytes', id: 8 };
const ModelProtoWriter = protobuf.Root.fromJSON(encodeDescriptor).lookupType('onnx.ModelProto');

function packFloats(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return out;
}

/** Packed varints (int64 encoding: negative values sign-extended to 10 bytes). */
function packInts(values: ArrayLike<number>): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isSafeInteger(v)) throw new RangeError(`int attribute value ${v} is not an integer`);
    let n = BigInt.asUintN(64, BigInt(v));
    if (v >= 0 && v < 0x10000000) {
      let x = v;
      while (x > 0x7f) {
        out.push((x & 0x7f) | 0x80);
        x >>>= 7;
      }
      out.push(x);
      continue;
    }
    while (n > 0x7fn) {
      out.push(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    out.push(Number(n));
  }
  return Uint8Array.from(out);
}

/** ONNX TensorProto.DataType values used here. */
export const ElemType = { FLOAT: 1, INT64: 7, STRING: 8 } as const;
export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

const utf8 = new TextEncoder();

export type Attribute = Record<string, unknown>;

export const attr = {
  int: (name: string, i: number): Attribute => ({ name, type: AttrType.INT, i }),
  float: (name: string, f: number): Attribute => ({ name, type: AttrType.FLOAT, f }),
  string: (name: string, s: string): Attribute => ({ name, type: AttrType.STRING, s: utf8.encode(s) }),
  ints: (name: string, ints: ArrayLike<number>): Attribute => ({
    name,
    type: AttrType.INTS,
    ints: packInts(ints),
  }),
  floats: (name: string, floats: ArrayLike<number>): Attribute => ({
    name,
    type: AttrType.FLOATS,
    floats: packFloats(floats),
  }),
  strings: (name: string, strings: readonly string[]): Attribute => {
    // Node modes repeat two values thousands of times: encode each distinct string once.
    const cache = new Map<string, Uint8Array>();
    const bytes = (s: string) => {
      let b = cache.get(s);
      if (!b) {
        b = utf8.encode(s);
        cache.set(s, b);
      }
      return b;
    };
    return { name, type: AttrType.STRINGS, strings: strings.map(bytes) };
  },
};

export function tensorValue(name: string, elemType: number, dims: ReadonlyArray<number | string>) {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

/** Encodes a plain ModelProto object (camelCase fields); no verify/fromObject copies of the big arrays. */
export function encodeModel(model: Record<string, unknown>): Uint8Array {
  return ModelProtoWriter.encode(model).finish();
}

export function decodeModel(bytes: Uint8Array): Record<string, unknown> {
  return ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, bytes: String }) as Record<
    string,
    unknown
  >;
}

/** Trees and nodes of an ONNX tree ensemble: the distinct and total tree ids of its TreeEnsemble node. */
export function onnxTreeCounts(bytes: Uint8Array): { trees: number; nodes: number } {
  const model = decodeModel(bytes) as {
    graph?: { node?: { opType?: string; attribute?: { name?: string; ints?: number[] }[] }[] };
  };
  const ensemble = model.graph?.node?.find((n) => n.opType?.startsWith('TreeEnsemble'));
  const ids = ensemble?.attribute?.find((a) => a.name === 'nodes_treeids')?.ints ?? [];
  return { trees: new Set(ids).size, nodes: ids.length };
}
