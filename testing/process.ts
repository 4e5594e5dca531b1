/** Running a service's `main.ts` as a child process, as an operator would, with its output kept. */

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
  /** What it wrote to stdout so far. */
  stdout(): string;
  /** Resolves with its exit status once it has exited and its output is read. */
  status: Promise<Deno.CommandStatus>;
  /** Resolves with its exit code once it has exited and its output is read. */
  exited: Promise<number>;
  /** Its exit code once {@linkcode SpawnedService.exited} resolved, else undefined. */
  exitCode(): number | undefined;
  /** Sends `signal` (unless it has exited) and waits for the exit code. @default "SIGTERM" */
  stop(signal?: Deno.Signal): Promise<number>;
}

// A reader loop rather than TextDecoderStream: it type-checks under the DOM lib the browser tests
// use as well as under Deno's.
async function drain(stream: ReadableStream<Uint8Array>, append: (text: string) => void) {
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    append(decoder.decode(value, { stream: true }));
  }
  append(decoder.decode());
}

/** Starts `deno run -P=<permissions> <script>` from the repository root (`script` is relative). */
export function spawnService(script: string, options: SpawnOptions): SpawnedService {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", `-P=${options.permissions}`, script, ...(options.args ?? [])],
    cwd: ROOT,
    env: options.env ?? {},
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let err = "";
  let out = "";
  const drained = Promise.all([
    drain(child.stderr, (text) => err += text),
    drain(child.stdout, (text) => out += text),
  ]);
  let code: number | undefined;
  const status = Promise.all([child.status, drained]).then(([status]) => {
    code = status.code;
    return status;
  });
  const exited = status.then((s) => s.code);
  return {
    child,
    output: () => err,
    stdout: () => out,
    status,
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
