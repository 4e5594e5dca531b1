/** How busy this process is: requests in flight and how late its event loop runs. */

/** Requests being handled right now. */
export class InFlight {
  #count = 0;
  /** The number of requests in flight. */
  get count(): number {
    return this.#count;
  }
  /** Counts `work` while it runs. */
  async around<T>(work: () => Promise<T>): Promise<T> {
    this.#count++;
    try {
      return await work();
    } finally {
      this.#count--;
    }
  }
}

/** A running measurement of event-loop delay; `stop()` returns the worst delay seen, in ms. */
export interface LagSampler {
  stop(): number;
}

/**
 * Measures how late timers fire while something is awaited: a tick every `intervalMs` records
 * how far behind schedule it ran. Only runs while measuring, so nothing is left behind.
 */
export function sampleLag(intervalMs = 20): LagSampler {
  let expected = performance.now() + intervalMs;
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - expected);
    expected = now + intervalMs;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      // A tick that is due but has not run yet is lagging too.
      return Math.max(worst, performance.now() - expected, 0);
    },
  };
}
