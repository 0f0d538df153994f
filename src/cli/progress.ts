// A status line on stderr for the steps of a command that may take seconds (import, lowering
// with calibration, emulation, verification), on a terminal only. Nothing ticks while the work
// runs (it is synchronous in this thread): the line names the step before it starts; a step that took
// LONG_STEP_SECONDS or more keeps its line with its time, a shorter one is erased. The
// simulator's Monte Carlo has its own bar (commands/sim.ts).

/** Steps at least this long keep their line, with the time they took. */
export const LONG_STEP_SECONDS = 2;

/** Runs `work`, showing `label` on a terminal's stderr while it runs. */
export function step<T>(label: string, work: () => T): T {
  const end = begin(label);
  try {
    return work();
  } finally {
    end();
  }
}

/** step() for work that finishes later (a worker thread beside this one). */
export async function stepAsync<T>(label: string, work: () => Promise<T>): Promise<T> {
  const end = begin(label);
  try {
    return await work();
  } finally {
    end();
  }
}

/** Shows `label`; the function returned keeps the line with the time taken, or erases it. */
function begin(label: string): () => void {
  const stderr = process.stderr;
  if (stderr.isTTY !== true) return () => {};
  stderr.write(`qs4dc: ${label}...`);
  const start = performance.now();
  return () => {
    const seconds = (performance.now() - start) / 1000;
    stderr.write(seconds >= LONG_STEP_SECONDS ? ` ${seconds.toFixed(1)} s\n` : "\r\x1b[K");
  };
}
