/**
 * An ONNX model of one Keras LSTM layer, as bytes, for ONNX Runtime (the bench's reference).
 *
 * The model is one `LSTM` node (ONNX opset 14, layout 0: X (seq, batch, input) and Y_h
 * (1, batch, hidden); ONNX Runtime's CPU LSTM rejects layout 1), with Keras's weights re-laid out: Keras keeps kernel (D, 4U), recurrent
 * kernel (U, 4U) and bias (4U) with the gates in the order i, f, c, o; ONNX wants
 * W (1, 4U, D), R (1, 4U, U) and B (1, 8U) = [Wb, Rb] with the gates in the order i, o, f, c
 * (onnx/docs/Operators.md, LSTM). The default activations (sigmoid, tanh, tanh) are Keras's
 * sigmoid / tanh LSTM.
 *
 * The bytes are written by a small protobuf encoder below (field numbers from onnx/onnx.proto):
 * the few messages the model needs are a page of code, where a protobuf library would also need
 * the whole ONNX schema. ONNX Runtime parsing it and agreeing with TF.js numerically is its check.
 */

/** Protobuf wire writer: varints, length-delimited fields and nested messages. */
class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];

  private varint(value: number): void {
    const bytes: number[] = [];
    let v = value;
    while (v >= 0x80) {
      bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    bytes.push(v);
    this.chunks.push(Uint8Array.from(bytes));
  }

  private key(field: number, wireType: 0 | 2): void {
    this.varint(field * 8 + wireType);
  }

  /** An int32/int64 field (non-negative here). */
  int(field: number, value: number): this {
    this.key(field, 0);
    this.varint(value);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, 2);
    this.varint(value.length);
    this.chunks.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTRIBUTE_INT = 2; // AttributeProto.AttributeType.INT

/** TensorProto: dims (1), data_type (2), name (8), raw_data (9, little-endian float32). */
function tensor(w: ProtoWriter, name: string, dims: number[], data: Float32Array): void {
  for (const d of dims) w.int(1, d);
  w.int(2, FLOAT);
  w.string(8, name);
  const raw = new Uint8Array(data.length * 4);
  const view = new DataView(raw.buffer);
  data.forEach((v, i) => view.setFloat32(4 * i, v, true));
  w.bytes(9, raw);
}

/** ValueInfoProto: name (1), type (2) = TypeProto.tensor_type (1) {elem_type (1), shape (2) {dim (1) {dim_value (1) | dim_param (2)}}}. */
function valueInfo(w: ProtoWriter, name: string, dims: (number | string)[]): void {
  w.string(1, name);
  w.message(2, (type) =>
    type.message(1, (t) => {
      t.int(1, FLOAT);
      t.message(2, (shape) => {
        for (const d of dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

/** Keras gate order i, f, c, o; the position of each of ONNX's i, o, f, c in it. */
const kerasGateOfOnnxGate = [0, 3, 1, 2];

/**
 * The ONNX model bytes for a Keras LSTM (sigmoid recurrent activation) with these weights:
 * input "x" (timesteps, batch, inputDim), time-major (see timeMajor), output "h" (1, batch, units),
 * the final hidden state.
 */
export function onnxLstmModel(weights: { kernel: Float32Array; recurrentKernel: Float32Array; bias: Float32Array; inputDim: number; units: number }, timesteps: number): Uint8Array {
  const { inputDim: D, units: U } = weights;
  const G = 4 * U;
  const W = new Float32Array(G * D);
  const R = new Float32Array(G * U);
  const B = new Float32Array(2 * G); // Wb = Keras's bias, Rb = 0
  for (let g = 0; g < 4; g++) {
    const k = kerasGateOfOnnxGate[g]!;
    for (let u = 0; u < U; u++) {
      const row = g * U + u;
      const column = k * U + u;
      for (let d = 0; d < D; d++) W[row * D + d] = weights.kernel[d * G + column]!;
      for (let j = 0; j < U; j++) R[row * U + j] = weights.recurrentKernel[j * G + column]!;
      B[row] = weights.bias[column]!;
    }
  }
  const model = new ProtoWriter();
  model.int(1, 8); // ir_version 8
  model.string(2, 'lstm-reset bench');
  model.message(8, (opset) => opset.string(1, '').int(2, 14)); // opset_import: ai.onnx 14
  model.message(7, (graph) => {
    // NodeProto: input (1), output (2), name (3), op_type (4), attribute (5) {name (1), i (3), type (20)}
    graph.message(1, (node) => {
      for (const input of ['x', 'W', 'R', 'B']) node.string(1, input);
      node.string(2, '').string(2, 'h');
      node.string(3, 'lstm').string(4, 'LSTM');
      node.message(5, (a) => a.string(1, 'hidden_size').int(3, U).int(20, ATTRIBUTE_INT));
    });
    graph.string(2, 'lstm');
    graph.message(5, (t) => tensor(t, 'W', [1, G, D], W));
    graph.message(5, (t) => tensor(t, 'R', [1, G, U], R));
    graph.message(5, (t) => tensor(t, 'B', [1, 2 * G], B));
    graph.message(11, (v) => valueInfo(v, 'x', [timesteps, 'batch', D]));
    graph.message(12, (v) => valueInfo(v, 'h', [1, 'batch', U]));
  });
  return model.finish();
}

/** x (rows, timesteps, inputDim), Keras's batch-major layout, as (timesteps, rows, inputDim). */
export function timeMajor(x: Float32Array, rows: number, timesteps: number, inputDim: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < rows; r++)
    for (let t = 0; t < timesteps; t++) out.set(x.subarray((r * timesteps + t) * inputDim, (r * timesteps + t + 1) * inputDim), (t * rows + r) * inputDim);
  return out;
}
