// ModelProto encoding: `onnx-proto` is protobufjs static code generated from the official
// onnx.proto (ONNX v1.10.2, IR version 8). It is the schema onnxruntime reads, needs no
// .proto file at run time, and is widely used (onnxruntime-web's own tooling depends on it);
// writing protobuf by hand would be a second, unreviewed encoder of the same format.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** ONNX element types the kernels use (values of `TensorProto.DataType`). */
export const ElementType = {
  float: onnx.TensorProto.DataType.FLOAT,
  uint8: onnx.TensorProto.DataType.UINT8,
  int8: onnx.TensorProto.DataType.INT8,
  uint16: onnx.TensorProto.DataType.UINT16,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
  double: onnx.TensorProto.DataType.DOUBLE,
} as const;

/** One of {@link ElementType}'s values. */
export type ElementTypeCode = (typeof ElementType)[keyof typeof ElementType];

/** A dimension: a fixed size or a symbolic name (e.g. `'rows'`) bound at run time. */
export type Dim = number | string;

/** An attribute value: ints, floats, strings, or a list of ints. */
export type AttributeValue = number | string | number[];

/** A graph input or output: its name, element type and shape. */
export interface ValueSpec {
  name: string;
  type: ElementTypeCode;
  shape: Dim[];
}

/** A node: operator type, input and output value names, and attributes. */
export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, AttributeValue>;
}

/** A constant tensor baked into the graph (small ones only: shapes, scalars). */
export interface ConstantSpec {
  name: string;
  type: typeof ElementType.int64 | typeof ElementType.float | typeof ElementType.int32 | typeof ElementType.double;
  dims: number[];
  values: number[];
}

/** Everything needed for a single-graph model. */
export interface GraphSpec {
  name: string;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  nodes: NodeSpec[];
  constants?: ConstantSpec[];
}

/**
 * Opset 13: TopK has `largest`/`sorted` (and orders ties by lower index), Unsqueeze takes
 * axes as an input, ReduceSumSquare still as an attribute.
 */
const OPSET = 13;

function valueInfo(v: ValueSpec): onnxProto.onnx.IValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: v.type,
        shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, value: AttributeValue): onnxProto.onnx.IAttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (Array.isArray(value)) return { name, type: A.INTS, ints: value };
  if (typeof value === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(value) };
  if (Number.isInteger(value)) return { name, type: A.INT, i: value };
  return { name, type: A.FLOAT, f: value };
}

function constant(c: ConstantSpec): onnxProto.onnx.ITensorProto {
  const base = { name: c.name, dataType: c.type, dims: c.dims };
  switch (c.type) {
    case ElementType.int64:
      return { ...base, int64Data: c.values };
    case ElementType.int32:
      return { ...base, int32Data: c.values };
    case ElementType.double:
      return { ...base, doubleData: c.values };
    default:
      return { ...base, floatData: c.values };
  }
}

/** Encodes `spec` as a serialized ONNX ModelProto, ready for `InferenceSession.create`. */
export function encodeModel(spec: GraphSpec): Uint8Array {
  const model: onnxProto.onnx.IModelProto = {
    irVersion: onnx.Version.IR_VERSION,
    producerName: 'gridfold',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: spec.name,
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
      initializer: (spec.constants ?? []).map(constant),
      node: spec.nodes.map((n, i) => ({
        name: `${n.op}_${i}`,
        opType: n.op,
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attributes ?? {}).map(([k, v]) => attribute(k, v)),
      })),
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}
