// Tensor constructors for tests (i8 is not among src/ir/tensor.ts's shorthands).
import { type Tensor, tensor } from "../../src/ir/tensor.js";

export { f32, f64 } from "../../src/ir/tensor.js";

export function i8(shape: number[], values?: number[]): Tensor {
  return tensor("i8", shape, values);
}
