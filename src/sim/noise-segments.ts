// The read-noise draws of a sample, cut into segments so that a replayed run makes the same
// draws as one run that held whole sequences (docs/simulator.md §2). In such a run the ops
// that need no per-sample statistic ("free" ops) draw from one stream while the input
// arrives (segment 0); after the input ends every reading op in program order draws its
// remaining reads contiguously (one segment each). Replaying, an op downstream of a
// per-sample quantizer ("held") reads while the input arrives, interleaved with the others:
// it draws from its own segment, whose start is the end of the segment before it, recorded
// in an earlier pass. A free op's post-input segment starts where the previous segment ended
// in the same pass (it always ends before), so a sample without held readers runs in one pass.

import type { Rng } from "./rng.js";

export class NoiseSegment {
  /** Where the segment's draws start, once known (kept across the passes of a sample). */
  start: Rng | null = null;
  /** The stream this pass draws from (null: not reachable in this pass). */
  live: Rng | null = null;
  /** Every read of this segment was made in this pass. */
  done = false;
  next: NoiseSegment | null = null;

  /** `lazy`: starts from the previous segment's end in the same pass (free ops after the input). */
  constructor(
    readonly previous: NoiseSegment | null,
    readonly lazy: boolean,
  ) {
    if (previous !== null) previous.next = this;
  }

  beginPass(first: Rng | null): void {
    this.live = this.previous === null ? first : (this.start?.copy() ?? null);
    this.done = false;
  }

  /** The stream to draw from now, or null when its start is not known in this pass. */
  stream(): Rng | null {
    if (this.live === null && this.lazy && this.previous?.done === true) {
      this.live = this.previous.live?.copy() ?? null;
    }
    return this.live;
  }

  /** The segment's last read is made: the next one starts here. */
  complete(): void {
    if (this.stream() === null) return;
    this.done = true;
    if (this.next !== null && this.next.start === null) this.next.start = this.live!.copy();
  }

  /** Known before the pass starts (a held op's segment needs that). */
  get known(): boolean {
    return this.previous === null || this.lazy || this.start !== null;
  }
}
