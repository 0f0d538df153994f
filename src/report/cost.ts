// QS4D's hardware cost metrics per time step (after the QS4D paper, arXiv 2507.06079), from a
// model's shape and the bit widths of its parts (r_x = bits of x; 32 for a float tensor):
//
//   ACE        = L*(H*(N*r_A*r_act + N*r_B*r_act + N*r_C*r_act) + H*M*r_act*r_lin)
//                + H*d_in*r_enc*r_act + H*d_out*r_dec*r_act
//   model size = N*H*L*(r_A + r_C) + H*M*L*r_lin + H*d_in*r_enc + H*d_out*r_dec   [bits]
//   ADC        = (N*r_state + r_act)*H*L + M*r_lin*L + (H + d_out)*r_act
//
// L layers, H channels, N state size (real dimensions), d_in inputs, d_out classes.
// Two generalizations of the paper's formulas, each equal to it in the paper's setting:
// M = the outputs of a layer's mixing Conv1d (the paper's H^2 counts an H -> H mixing; a GLU
// mixing has H -> 2H weights, so H*M; no mixing, M = 0), and r_coder split into the encoder's
// and the decoder's bits. Pure arithmetic: no model, no I/O.

/** The sizes the metrics depend on. */
export interface CostShape {
  readonly layers: number;
  readonly channels: number;
  /** N, real dimensions of the state per channel (N/2 complex modes). */
  readonly state: number;
  readonly dIn: number;
  readonly classes: number;
  /** Outputs of each layer's mixing layer: H (ReLU/linear), 2H (GLU), 0 (none). */
  readonly mixOut: number;
}

/** Bits of each part; 32 where the part is float. */
export interface BitWidths {
  /** A (continuous) or lambda (discrete): the state matrix. */
  readonly a: number;
  /** B or Bbar: the input vector. */
  readonly b: number;
  readonly c: number;
  /** The state x (what the ADC converts every step). */
  readonly state: number;
  /** Activations: the layer inputs and outputs. */
  readonly act: number;
  /** Mixing (output linear) weights. */
  readonly lin: number;
  readonly encoder: number;
  readonly decoder: number;
}

export interface CostMetrics {
  /** Arithmetic computational effort: sum over multiplies of operand bits x operand bits. */
  readonly ace: number;
  readonly modelBits: number;
  readonly adcComplexity: number;
}

export const FLOAT_BITS = 32;

export const FLOAT_WIDTHS: BitWidths = {
  a: FLOAT_BITS,
  b: FLOAT_BITS,
  c: FLOAT_BITS,
  state: FLOAT_BITS,
  act: FLOAT_BITS,
  lin: FLOAT_BITS,
  encoder: FLOAT_BITS,
  decoder: FLOAT_BITS,
};

export function qs4dCost(shape: CostShape, r: BitWidths): CostMetrics {
  const { layers: L, channels: H, state: N, dIn, classes: dOut, mixOut: M } = shape;
  const coders = H * dIn * r.encoder + H * dOut * r.decoder;
  return {
    ace: L * (H * N * (r.a + r.b + r.c) * r.act + H * M * r.act * r.lin) + coders * r.act,
    modelBits: N * H * L * (r.a + r.c) + H * M * L * r.lin + coders,
    adcComplexity: (N * r.state + r.act) * H * L + M * r.lin * L + (H + dOut) * r.act,
  };
}

/** How many times smaller `metrics` is than `reference` (e.g. a float32 model), per metric. */
export function costRatios(reference: CostMetrics, metrics: CostMetrics): CostMetrics {
  return {
    ace: reference.ace / metrics.ace,
    modelBits: reference.modelBits / metrics.modelBits,
    adcComplexity: reference.adcComplexity / metrics.adcComplexity,
  };
}
