// The lowered part of the IR: what `layout-imssa`, `tile` and `map-conductance` add to a
// model. Owned by the lowering issue; everything here is still the same Model IR.

export interface TargetRef {
  readonly name: string;
  /** SHA-256 of the canonical JSON of the target description. */
  readonly digest: string;
}

export interface HardwareProgram {
  readonly target: TargetRef;
}
