// Command-line numbers of the fuzzers' long runs (test/fuzz/run.ts, test/fuzz/mutate/run.ts).

/** `text` as a whole number, `fallback` when absent; exit 2 with a message when it is not one. */
export function wholeNumber(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) {
    console.error(`--${name}: expected a whole number, got '${text}'`);
    process.exit(2);
  }
  return n;
}

/** `--minutes`: a positive number; exit 2 with a message otherwise. */
export function positiveMinutes(text: string | undefined): number {
  const minutes = Number(text);
  if (!(minutes > 0)) {
    console.error(`--minutes: expected a positive number, got '${text}'`);
    process.exit(2);
  }
  return minutes;
}
