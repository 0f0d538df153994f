// Dense real matrices for the small numerical problems of the compiler (system identification
// of kernel-only SSMs): row-major float64, no views, no broadcasting. Sizes are tens to a few
// hundred, so clarity wins over blocking and cache tricks.

export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  /** Row-major: element (i, j) at i * cols + j. */
  readonly data: Float64Array;
}

export function zeros(rows: number, cols: number): Matrix {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

export function fromRows(rows: readonly (readonly number[])[]): Matrix {
  const m = zeros(rows.length, rows[0]?.length ?? 0);
  rows.forEach((row, i) => {
    if (row.length !== m.cols) throw new RangeError("fromRows: ragged rows");
    m.data.set(row, i * m.cols);
  });
  return m;
}

export function get(m: Matrix, i: number, j: number): number {
  return m.data[i * m.cols + j]!;
}

export function set(m: Matrix, i: number, j: number, v: number): void {
  m.data[i * m.cols + j] = v;
}

export function identity(n: number): Matrix {
  const m = zeros(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

export function transpose(m: Matrix): Matrix {
  const t = zeros(m.cols, m.rows);
  for (let i = 0; i < m.rows; i++)
    for (let j = 0; j < m.cols; j++) t.data[j * m.rows + i] = m.data[i * m.cols + j]!;
  return t;
}

export function multiply(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw new RangeError(`multiply: ${a.cols} != ${b.rows}`);
  const c = zeros(a.rows, b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) {
      const aik = a.data[i * a.cols + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < b.cols; j++)
        c.data[i * b.cols + j] = c.data[i * b.cols + j]! + aik * b.data[k * b.cols + j]!;
    }
  }
  return c;
}

/** Rows [from, to) and columns [c0, c1) as a new matrix. */
export function slice(m: Matrix, from: number, to: number, c0 = 0, c1 = m.cols): Matrix {
  const s = zeros(to - from, c1 - c0);
  for (let i = from; i < to; i++)
    s.data.set(m.data.subarray(i * m.cols + c0, i * m.cols + c1), (i - from) * s.cols);
  return s;
}

/** Frobenius norm, scaled to avoid overflow and underflow. */
export function frobenius(m: Matrix | Float64Array): number {
  const data = m instanceof Float64Array ? m : m.data;
  let scale = 0;
  for (let i = 0; i < data.length; i++) scale = Math.max(scale, Math.abs(data[i]!));
  if (scale === 0) return 0;
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += (data[i]! / scale) ** 2;
  return scale * Math.sqrt(sum);
}
