// The limits of the IR text reader (docs/limits.md), checked in one pass over the text before
// the lexer and the parser run: both recurse or backtrack in proportion to nesting and token
// length, so text beyond these limits is refused with a code instead of exhausting the stack.

import { fail } from "../../diag/error.js";
import { locate, type ReadContext } from "./location.js";

/** Nodes nest a few levels and tensor literals by their rank: 64 is far beyond both. */
export const MAX_IR_NESTING = 64;

/** The longest line: 1 MiB of characters (a printed row of 50,000 values takes ~600 kB). */
export const MAX_IR_LINE = 2 ** 20;

/** The largest number of elements an IR tensor may declare (2^27: 512 MiB of f32). */
export const MAX_IR_TENSOR_ELEMENTS = 2 ** 27;

const OPENERS = new Set(["{", "(", "["]);
const CLOSERS = new Set(["}", ")", "]"]);

/** Refuses text that nests deeper than MAX_IR_NESTING or has a line longer than MAX_IR_LINE. */
export function checkIrTextLimits(text: string, ctx: ReadContext): void {
  let line = 1;
  let lineStart = 0;
  let depth = 0;
  let inString = false;
  let inComment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\n") {
      if (i - lineStart > MAX_IR_LINE) tooLong(ctx, line, i - lineStart);
      line++;
      lineStart = i + 1;
      inComment = false;
      inString = false; // a string never spans lines: the lexer reports it
    } else if (inComment) {
      // the rest of the line is a comment
    } else if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "/" && text[i + 1] === "/") inComment = true;
    else if (OPENERS.has(c)) {
      if (++depth > MAX_IR_NESTING) {
        const where = locate(ctx, { line, column: i - lineStart + 1 });
        fail("QS4D-E060", { limit: MAX_IR_NESTING }, where);
      }
    } else if (CLOSERS.has(c)) depth--;
  }
  if (text.length - lineStart > MAX_IR_LINE) tooLong(ctx, line, text.length - lineStart);
}

function tooLong(ctx: ReadContext, line: number, length: number): never {
  return fail("QS4D-E061", { length, limit: MAX_IR_LINE }, locate(ctx, { line, column: 1 }));
}
