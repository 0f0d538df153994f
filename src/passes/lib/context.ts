// What the lowering passes take from a PassContext.

import { fail } from "../../diag/error.js";
import { targetDigest } from "../../target/load.js";
import type { LoadedTarget } from "../../target/types.js";
import type { PassContext } from "../pass.js";

/** The context's target with its digest; target-dependent passes cannot run without one. */
export function loadedFromContext(context: PassContext, pass = "requantize"): LoadedTarget {
  const description = context.target;
  if (description === null) fail("QS4D-E410", { pass });
  return { description, digest: targetDigest(description), origin: "context" };
}
