/**
 * Every curl example in README.md and docs/*.md runs against a live `deno task dev` stack, as a
 * reader would paste it: bash, with `API` and `KEY` set and the stack's PORT and DATA_DIR.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { waitUntil } from "../dev/ports.ts";
import { freshDevRunEnv, startDevRun } from "../testing/mod.ts";
import { curlExamples, type Example, markdownFiles, PRELUDE, SKIP_MARKER } from "./_examples.ts";

const ROOT = new URL("../", import.meta.url);
const EXAMPLE_TIMEOUT_MS = 90_000;

async function allExamples(): Promise<Example[]> {
  const examples: Example[] = [];
  for (const file of await markdownFiles()) {
    examples.push(...curlExamples(file, await Deno.readTextFile(new URL(file, ROOT))));
  }
  return examples;
}

/** True once the newest record of each of these signal types exists. */
async function hasLiveData(api: string, types: string[]): Promise<boolean> {
  for (const type of types) {
    const response = await fetch(`${api}/signals/${type}/latest?limit=1`);
    if (!response.ok) {
      await response.body?.cancel();
      return false;
    }
    const { data } = await response.json() as { data: unknown[] };
    if (data.length === 0) return false;
  }
  return true;
}

async function runExample(example: Example, env: Record<string, string>, cwd: string) {
  const output = await new Deno.Command("bash", {
    args: ["-c", PRELUDE + example.script],
    cwd,
    env,
    stdin: "null",
    signal: AbortSignal.timeout(EXAMPLE_TIMEOUT_MS),
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes).slice(-2000);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("the example finder takes sh and bash blocks that call curl, unless marked", () => {
  const markdown = [
    "```sh",
    'curl "$API/health"',
    "```",
    "```bash",
    "deno task producer",
    "```",
    SKIP_MARKER,
    "```sh",
    "curl http://example.invalid/",
    "```",
    "```json",
    '{"curl": 1}',
    "```",
    "```bash",
    'id=$(curl -fsS "$API/x" | jq -r .id)',
    "```",
  ].join("\n");
  deepEqual(curlExamples("x.md", markdown), [
    { file: "x.md", line: 1, script: 'curl "$API/health"' },
    { file: "x.md", line: 14, script: 'id=$(curl -fsS "$API/x" | jq -r .id)' },
  ]);
});

Deno.test({
  name: "every curl example in README.md and docs/ succeeds against a live deno task dev",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const examples = await allExamples();
    ok(examples.length >= 10, `found only ${examples.length} examples`);
    ok(examples.some((e) => e.file === "README.md"), "the README's quick start has examples");

    const run = await freshDevRunEnv("signals-examples-");
    const workDir = await Deno.makeTempDir({ prefix: "signals-examples-cwd-" });
    const stackEnv = run.env;
    // The replay worker at normal priority: at its default (REPLAY_NICE=10) a busy machine gives
    // it a sliver of a core, and the replay example waits for its job to end.
    const dev = startDevRun({ ...stackEnv, REPLAY_NICE: "0" }, 5);
    try {
      const api = run.apiUrl;
      await waitUntil("deno task dev to be ready", () => {
        if (dev.exitCode() !== undefined) {
          throw new Error(`deno task dev exited ${dev.exitCode()}:\n${dev.output()}`);
        }
        return Promise.resolve(dev.output().includes("Ctrl-C stops everything"));
      }, 120_000);
      const key = (await Deno.readTextFile(`${run.dataDir}/admin_key`)).trim();
      await waitUntil(
        "live data of every signal type",
        () => hasLiveData(api, ["power", "state_change", "error", "sensor", "xray"]),
        120_000,
      );
      const env = {
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        HOME: workDir,
        ...stackEnv,
        API: api,
        KEY: key,
      };
      for (const example of examples) {
        const first = example.script.split("\n").find((line) => line.includes("curl")) ?? "";
        await t.step(`${example.file}:${example.line} ${first.trim().slice(0, 60)}`, async () => {
          const result = await runExample(example, env, workDir);
          equal(
            result.code,
            0,
            `${example.file}:${example.line} exited ${result.code}\n--- script\n${example.script}` +
              `\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
          );
        });
      }
    } finally {
      await dev.stop("SIGINT");
      await run.remove();
      await Deno.remove(workDir, { recursive: true }).catch(() => {});
    }
  },
});
