// Positions in IR text as diagnostic locations.

import type { Pos } from "../../../grammar/index.js";
import type { DiagnosticLocation } from "../../diag/diagnostic.js";
import { fail } from "../../diag/error.js";
import { DIGEST_PATTERN } from "./digest.js";

export interface ReadContext {
  /** The file being parsed, when there is one. */
  readonly file: string | undefined;
}

export function locate(ctx: ReadContext, pos: Pos, node?: string): DiagnosticLocation {
  return {
    ...(ctx.file === undefined ? {} : { file: ctx.file }),
    line: pos.line,
    column: pos.column,
    ...(node === undefined ? {} : { node }),
  };
}

export function checkDigest(ctx: ReadContext, text: string, pos: Pos, node?: string): string {
  if (!DIGEST_PATTERN.test(text)) fail("QS4D-E012", { digest: text }, locate(ctx, pos, node));
  return text;
}
