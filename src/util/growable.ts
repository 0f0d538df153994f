// A typed array that grows as values are pushed (capacity doubling): tables whose size is known
// only once they are built are collected without a boxed number per value.

type NumberArray = Int32Array | Float64Array;

export class Growable<T extends NumberArray> {
  private data: T;
  length = 0;

  constructor(private readonly make: (length: number) => T) {
    this.data = make(64);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const wider = this.make(2 * this.length);
      wider.set(this.data);
      this.data = wider;
    }
    this.data[this.length++] = value;
  }

  at(i: number): number {
    return this.data[i]!;
  }

  /** The values pushed, in an array of their own. */
  done(): T {
    return this.data.slice(0, this.length) as T;
  }
}

export function int32s(): Growable<Int32Array> {
  return new Growable((n) => new Int32Array(n));
}

export function float64s(): Growable<Float64Array> {
  return new Growable((n) => new Float64Array(n));
}
