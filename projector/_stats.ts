/** Running totals of a projector, turned into the status row every second. */
import type { CommitResult } from "./store/commit_batch.ts";
import type { ProjectorStatus } from "./store/status.ts";

/** Counts what the projector applied, and the rate over the last reporting window. */
export class ProjectorStats {
  projectedTotal = 0;
  deadLettersTotal = 0;
  lastEventAt: string | null = null;
  streamLastSeq: number | null = null;
  checkpointSeq: number | null = null;
  #windowStart: number;
  #windowProjected = 0;

  constructor(readonly name: string, private now: () => number = Date.now) {
    this.#windowStart = now();
  }

  /** Records a committed batch. */
  record(result: CommitResult, lastSeq: number, streamLastSeq: number): void {
    this.projectedTotal += result.projected;
    this.#windowProjected += result.projected;
    this.deadLettersTotal += result.deadLetters;
    for (const checkpoint of result.changes.checkpoints) {
      const at = checkpoint.last_event_at;
      if (at && (!this.lastEventAt || Date.parse(at) > Date.parse(this.lastEventAt))) {
        this.lastEventAt = at;
      }
    }
    this.checkpointSeq = Math.max(this.checkpointSeq ?? 0, lastSeq);
    this.streamLastSeq = Math.max(this.streamLastSeq ?? 0, streamLastSeq, lastSeq);
  }

  /** The status row, closing the current rate window. */
  snapshot(): ProjectorStatus {
    const now = this.now();
    const seconds = Math.max(0.001, (now - this.#windowStart) / 1000);
    const eventsPerSec = this.#windowProjected / seconds;
    this.#windowStart = now;
    this.#windowProjected = 0;
    return {
      name: this.name,
      eventsPerSec,
      projectedTotal: this.projectedTotal,
      lastEventAt: this.lastEventAt,
      streamLastSeq: this.streamLastSeq,
      checkpointSeq: this.checkpointSeq,
    };
  }
}
