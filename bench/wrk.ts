/** Runs `wrk` in its own process against a loopback URL and parses its figures. */

/** What one wrk run measured. */
export interface WrkResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Non-2xx/3xx responses plus socket errors. */
  errors: number;
}

/** Options of {@linkcode runWrk}. */
export interface WrkOptions {
  /** Open connections. @default 32 */
  connections?: number;
  /** Seconds to run. @default 10 */
  seconds?: number;
  /** Extra request headers. @default {} */
  headers?: Record<string, string>;
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === "us" ? n / 1000 : unit === "s" ? n * 1000 : unit === "m" ? n * 60_000 : n;
}

/** Parses wrk's `--latency` report. */
export function parseWrk(output: string): WrkResult {
  const percentile = (p: string) => {
    const match = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, "m").exec(output);
    if (!match) throw new Error(`wrk output has no ${p}% latency:\n${output}`);
    return toMs(match[1]!, match[2]!);
  };
  const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    output,
  );
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    requestsPerSec: number(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: percentile("50"),
    p99Ms: percentile("99"),
    requests: number(/(\d+) requests in/),
    errors: number(/Non-2xx or 3xx responses: (\d+)/) + socketErrors,
  };
}

/** Loads `url` with wrk (2 threads) and returns its figures. */
export async function runWrk(url: string, options: WrkOptions = {}): Promise<WrkResult> {
  const { connections = 32, seconds = 10, headers = {} } = options;
  // A 10,000-row CSV export under 32 concurrent clients takes seconds; a short timeout would count
  // slow answers as errors and drop them from the latency figures.
  const args = ["-t2", `-c${connections}`, `-d${seconds}s`, "--latency", "--timeout", "30s"];
  for (const [name, value] of Object.entries(headers)) args.push("-H", `${name}: ${value}`);
  const output = await new Deno.Command("wrk", { args: [...args, url], stdin: "null" }).output();
  const text = new TextDecoder().decode(output.stdout);
  if (!output.success) throw new Error(`wrk failed: ${new TextDecoder().decode(output.stderr)}`);
  return parseWrk(text);
}
