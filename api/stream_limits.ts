/** Caps on open `/stream` connections, in all and per client. */
import { ProblemError, UnavailableError } from "./problem.ts";

/** 429: this client holds as many streams as it may. */
export class TooManyStreamsError extends ProblemError {
  override name = "TooManyStreamsError";
  constructor(client: string, limit: number) {
    super(429, "Too Many Requests", `${client} already holds ${limit} open streams`, {
      code: "too_many_streams",
      headers: { "retry-after": "5" },
    });
  }
}

/** Counts open streams; `open` throws when a cap is reached, else returns the release. */
export class StreamLimits {
  readonly #perClient = new Map<string, number>();
  #total = 0;

  constructor(private readonly maxTotal: number, private readonly maxPerClient: number) {}

  /** Takes a slot for `client`, or throws a 503 (all slots taken) or a 429 (its own). */
  open(client: string): () => void {
    if (this.#total >= this.maxTotal) {
      throw new UnavailableError(`All ${this.maxTotal} stream slots are taken`);
    }
    const held = this.#perClient.get(client) ?? 0;
    if (held >= this.maxPerClient) throw new TooManyStreamsError(client, this.maxPerClient);
    this.#total++;
    this.#perClient.set(client, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#total--;
      const left = (this.#perClient.get(client) ?? 1) - 1;
      if (left > 0) this.#perClient.set(client, left);
      else this.#perClient.delete(client);
    };
  }

  /** Open streams in all. */
  get total(): number {
    return this.#total;
  }
}
