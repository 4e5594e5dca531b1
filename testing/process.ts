/** Running a service's `main.ts` as a child process, as an operator would, with its stderr kept. */

const ROOT = new URL("../", import.meta.url);

/** Options of {@linkcode spawnService}. */
export interface SpawnOptions {
  /** The permission set of `deno.json` to run under (`-P=<set>`). */
  permissions: string;
  /** Variables set over the inherited environment. @default {} */
  env?: Record<string, string>;
  /** Command-line arguments after the script. @default [] */
  args?: string[];
}

/** A running service. */
export interface SpawnedService {
  child: Deno.ChildProcess;
  /** What it wrote to stderr so far. */
  output(): string;
  /** Resolves with its exit code once it has exited and its stderr is read. */
  exited: Promise<number>;
  /** Its exit code once {@linkcode SpawnedService.exited} resolved, else undefined. */
  exitCode(): number | undefined;
  /** Sends `signal` (unless it has exited) and waits for the exit code. @default "SIGTERM" */
  stop(signal?: Deno.Signal): Promise<number>;
}

/** Starts `deno run -P=<permissions> <script>` from the repository root (`script` is relative). */
export function spawnService(script: string, options: SpawnOptions): SpawnedService {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", `-P=${options.permissions}`, script, ...(options.args ?? [])],
    cwd: ROOT,
    env: options.env ?? {},
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let text = "";
  const drained = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) text += chunk;
  })();
  let code: number | undefined;
  const exited = Promise.all([child.status, drained]).then(([status]) => code = status.code);
  return {
    child,
    output: () => text,
    exited,
    exitCode: () => code,
    stop(signal = "SIGTERM") {
      if (code === undefined) {
        try {
          child.kill(signal);
        } catch {
          // It exited meanwhile.
        }
      }
      return exited;
    },
  };
}
