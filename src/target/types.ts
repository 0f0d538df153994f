// Target descriptions (owned by the lowering issue). A target says what the crossbar chip
// offers: array sizes, conductance levels, converter bits, timing, energy, noise.

export interface TargetDescription {
  readonly name: string;
}
