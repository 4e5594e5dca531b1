/** Counters of a producer run, and the structured progress line logged every few seconds. */
import { SIGNAL_TYPES, type SignalEvent, type SignalType } from "../events/mod.ts";

/** What a producer run did; `published` counts every event the stream confirmed holding. */
export interface ProducerCounts {
  /** Events the simulation handed to the publisher. */
  generated: number;
  /** Events acknowledged by the stream (new or already held). */
  published: number;
  /** Of `published`, events the stream already held (same id within its duplicate window). */
  duplicates: number;
  /** Publish attempts that failed or timed out and were tried again. */
  retries: number;
  /** Events still unacknowledged when shutdown gave up waiting. */
  unacked: number;
  /** Power samples in published `power` events. */
  samples: number;
  /** Published events per type. */
  byType: Record<SignalType, number>;
  /** Wall time of the run, in ms. */
  elapsedMs: number;
}

function zeroByType(): Record<SignalType, number> {
  return Object.fromEntries(SIGNAL_TYPES.map((t) => [t, 0])) as Record<SignalType, number>;
}

/** Live counters of a run, shared by the publisher, the loop and the progress log. */
export class ProducerStats {
  generated = 0;
  published = 0;
  duplicates = 0;
  retries = 0;
  unacked = 0;
  samples = 0;
  inFlight = 0;
  /** The most publishes that ever awaited their ack at once: at most the window. */
  peakInFlight = 0;
  readonly byType: Record<SignalType, number> = zeroByType();
  readonly startedAt: number = performance.now();
  #last = { at: this.startedAt, byType: zeroByType(), samples: 0 };

  /** Counts an event the stream acknowledged. */
  recordAck(event: SignalEvent, duplicate: boolean): void {
    this.published++;
    if (duplicate) this.duplicates++;
    this.byType[event.type]++;
    if (event.type === "power") this.samples += event.data.watts.length;
  }

  /** A copy of the counters. */
  counts(): ProducerCounts {
    return {
      generated: this.generated,
      published: this.published,
      duplicates: this.duplicates,
      retries: this.retries,
      unacked: this.unacked,
      samples: this.samples,
      byType: { ...this.byType },
      elapsedMs: Math.round(performance.now() - this.startedAt),
    };
  }

  /** Fields of one progress log line: rates since the previous line, in flight, retries. */
  progress(): Record<string, unknown> {
    const now = performance.now();
    const seconds = Math.max(1e-3, (now - this.#last.at) / 1000);
    const eventsPerSec: Record<string, number> = {};
    for (const type of SIGNAL_TYPES) {
      eventsPerSec[type] = Math.round((this.byType[type] - this.#last.byType[type]) / seconds);
    }
    const samplesPerSec = Math.round((this.samples - this.#last.samples) / seconds);
    this.#last = { at: now, byType: { ...this.byType }, samples: this.samples };
    return {
      eventsPerSec,
      samplesPerSec,
      inFlight: this.inFlight,
      retries: this.retries,
      published: this.published,
      duplicates: this.duplicates,
    };
  }
}
