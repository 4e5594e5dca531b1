/** Service processes for benchmarks: started under their own permission sets, quiet, measured. */
import { type PeakRss, watchPeakRss } from "./rss.ts";
import { serviceArgs, type ServiceName } from "../dev/service_command.ts";

const ROOT = new URL("../", import.meta.url);

/** A running service process whose peak memory is being watched. */
export interface BenchService {
  name: string;
  pid: number;
  /** SIGTERM, wait for exit; returns the peak RSS. */
  stop(): Promise<PeakRss>;
}

/** Starts service `name` as `deno task <name>` would, with `env`, logging only warnings to `logFile`. */
export async function startService(
  name: ServiceName,
  env: Record<string, string>,
  options: { logFile?: string } = {},
): Promise<BenchService> {
  const log = options.logFile
    ? await Deno.open(options.logFile, { create: true, append: true })
    : undefined;
  const child = new Deno.Command(Deno.execPath(), {
    args: serviceArgs(name),
    cwd: ROOT,
    env: { LOG_LEVEL: "warn", ...env },
    stdin: "null",
    stdout: "null",
    stderr: log ? "piped" : "null",
  }).spawn();
  if (log) child.stderr.pipeTo(log.writable).catch(() => {});
  const rss = watchPeakRss(child.pid);
  return {
    name,
    pid: child.pid,
    async stop() {
      // VmHWM is the lifetime peak, so one last read before the signal is enough.
      const peak = await rss.stop();
      try {
        child.kill("SIGTERM");
      } catch {
        // Already exited.
      }
      await child.status;
      return peak;
    },
  };
}
