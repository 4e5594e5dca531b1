/** Supervises the service processes of `deno task dev`: start, prefix logs, restart, stop. */
import { backoffDelay, sleep } from "../lib/backoff.ts";
import { serviceArgs, type ServiceName } from "./service_command.ts";

const ROOT = new URL("../", import.meta.url);

/** A supervised service process. */
export interface Supervised {
  name: string;
  /** Stops the process: SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs: number): Promise<void>;
}

/** Options of {@linkcode supervise}. */
export interface SuperviseOptions {
  /** Prefix of its log lines, e.g. `projector-2` for a second worker. @default the service's name */
  label?: string;
}

/** Runs service `name` as `deno task <name>` would, restarting it with backoff if it dies. */
export function supervise(
  name: ServiceName,
  env: Record<string, string>,
  options: SuperviseOptions = {},
): Supervised {
  const label = options.label ?? name;
  let stopping = false;
  let child: Deno.ChildProcess | undefined;
  let exited: Promise<Deno.CommandStatus> = Promise.resolve({
    success: true,
    code: 0,
    signal: null,
  });
  const loop = async () => {
    for (let attempt = 0; !stopping; attempt++) {
      const startedAt = Date.now();
      child = new Deno.Command(Deno.execPath(), {
        args: serviceArgs(name),
        cwd: ROOT,
        env,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      pipeLines(child.stdout, label);
      pipeLines(child.stderr, label);
      exited = child.status;
      const status = await exited;
      if (stopping) return;
      if (Date.now() - startedAt > 30_000) attempt = 0;
      const delay = backoffDelay(attempt, { baseMs: 500, maxMs: 10_000 });
      console.error(
        `[dev] ${label} exited with code ${status.code}; restarting in ${delay} ms`,
      );
      await sleep(delay);
    }
  };
  loop();
  return {
    name: label,
    async stop(graceMs) {
      stopping = true;
      try {
        child?.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      const timer = setTimeout(() => {
        try {
          child?.kill("SIGKILL");
        } catch {
          // Already gone.
        }
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function pipeLines(stream: ReadableStream<Uint8Array>, name: string): Promise<void> {
  const prefix = `[${name}] `;
  let pending = "";
  const encoder = new TextEncoder();
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const lines = (pending + chunk).split("\n");
    pending = lines.pop() ?? "";
    if (lines.length) {
      await Deno.stderr.write(encoder.encode(lines.map((l) => prefix + l + "\n").join("")));
    }
  }
  if (pending) await Deno.stderr.write(encoder.encode(prefix + pending + "\n"));
}
