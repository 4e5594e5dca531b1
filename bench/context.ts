/** What the steps of one benchmark run share: the stack, the sizes, and figures measured earlier. */
import type { Stack } from "../dev/stack.ts";
import type { PeakRss } from "./rss.ts";
import type { BenchService } from "./services.ts";
import type { BenchRow } from "./table.ts";

/** How much one run measures; quick mode uses smaller sizes but the same minimum samples. */
export interface BenchSizes {
  /** Events each side of the publish row sends. */
  publishEvents: number;
  /** Events in the log before the replay and API rows. */
  logEvents: number;
  /** Seconds each live fleet size is sampled for. */
  liveSeconds: number;
  /** Live fleet sizes, smallest first. */
  fleets: number[];
  /** The fleet whose producer's peak memory is a row. */
  memoryFleet: number;
  /** Seconds of the first wrk run of each API load. */
  wrkSeconds: number;
  /** Requests every API load completes at least, besides its row's own minimum. */
  wrkMinRequests: number;
  /** Longest wrk run, for loads too slow to complete the requests a row needs in `wrkSeconds`. */
  wrkMaxSeconds: number;
  /** Hours of generated history the time-travel rows query. */
  historyHours: number;
}

/** Baselines measured by one step and used by the rows of a later one. */
export interface SharedBaselines {
  /** Plain acked JetStream publish loop, events/s. */
  publishEventsPerSec?: number;
  /** Peak RSS of a Hono server answering a constant JSON body under wrk. */
  honoConstantRss?: PeakRss;
}

/** The state one run's steps share. */
export interface BenchContext {
  stack: Stack;
  sizes: BenchSizes;
  baselines: SharedBaselines;
  /** Services a step started for later steps (the projector runs from the live row to the end). */
  services: Map<string, BenchService>;
  /** Peak memory of the services, by row label, filled as each stops. */
  peaks: Map<string, PeakRss>;
  /** Only the API loads whose name matches (`--api`). @default every load */
  apiFilter?: RegExp;
}

/** One step of the benchmark: measures something and returns its rows (maybe none). */
export interface RowProducer {
  /** Shown in the progress output and accepted by `--only`. */
  name: string;
  run(context: BenchContext): Promise<BenchRow[]>;
}
