/**
 * What `deno task chaos` watches while it runs: the peak resident memory of every process it
 * started (VmHWM, kept per service across restarts) and the API's answers, once a second.
 */
import { sleep } from "../lib/mod.ts";

/** Reads VmHWM of `pid` in kB; undefined once the process is gone. */
export async function peakRssKb(pid: number): Promise<number | undefined> {
  // Through `cat`: Deno's permissions treat /proc specially.
  const out = await new Deno.Command("cat", {
    args: [`/proc/${pid}/status`],
    stdout: "piped",
    stderr: "null",
  }).output().catch(() => undefined);
  if (!out?.success) return undefined;
  const match = new TextDecoder().decode(out.stdout).match(/^VmHWM:\s+(\d+)\s+kB/m);
  return match ? Number(match[1]) : undefined;
}

/** The pids of processes whose command line holds `text` (nats-server, postmaster). */
export async function pidsOf(text: string): Promise<number[]> {
  const out = await new Deno.Command("pgrep", {
    args: ["-f", text],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(out.stdout).split("\n").filter(Boolean).map(Number);
}

/** Peak RSS per service, sampled every second until stopped. */
export class RssWatch {
  readonly peaks = new Map<string, number>();
  #sources = new Map<string, () => Promise<number[]>>();
  #running = true;
  #loop: Promise<void>;

  constructor() {
    this.#loop = this.#run();
  }

  /** Watches `name`, whose current pids `pids()` returns (a restarted service has new ones). */
  watch(name: string, pids: () => number[] | Promise<number[]>): void {
    this.#sources.set(name, async () => await pids());
  }

  /** Samples every watched service now, e.g. just before one is killed. */
  async sample(): Promise<void> {
    for (const [name, pids] of this.#sources) {
      for (const pid of await pids().catch(() => [])) {
        const kb = await peakRssKb(pid);
        if (kb !== undefined) this.peaks.set(name, Math.max(this.peaks.get(name) ?? 0, kb));
      }
    }
  }

  async #run(): Promise<void> {
    while (this.#running) {
      await this.sample();
      for (let i = 0; i < 10 && this.#running; i++) await sleep(100);
    }
  }

  /** Takes a last sample and stops. */
  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
    await this.sample();
  }
}

/** One answer of the API. */
export interface Probe {
  at: number;
  /** HTTP status, or 0 when no answer came (refused, reset, timed out). */
  status: number;
}

/** Polls `url` once a second (each request bounded to 3 s) until stopped. */
export class ApiPoller {
  readonly probes: Probe[] = [];
  #running = true;
  #loop: Promise<void>;

  constructor(url: string) {
    this.#loop = this.#run(url);
  }

  async #run(url: string): Promise<void> {
    while (this.#running) {
      const at = Date.now();
      let status = 0;
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
        status = response.status;
        await response.body?.cancel();
      } catch {
        status = 0;
      }
      this.probes.push({ at, status });
      const wait = Math.max(0, at + 1000 - Date.now());
      await sleep(wait);
    }
  }

  /** Stops polling. */
  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }
}
