import { deepEqual, equal, ok } from "node:assert/strict";
import { freePort, isListening, waitUntil } from "./ports.ts";

const ROOT = new URL("../", import.meta.url);

interface DevRun {
  child: Deno.ChildProcess;
  output: () => string;
  apiKey: () => string | undefined;
}

function startDev(env: Record<string, string>): DevRun {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=dev", "dev/main.ts"],
    cwd: ROOT,
    env: { ...env, MACHINES: "3", LOG_LEVEL: "warn" },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let text = "";
  (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) text += chunk;
  })();
  return {
    child,
    output: () => text,
    apiKey: () => /API key: (\w+)/.exec(text)?.[1],
  };
}

async function getJson(url: string, key?: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  return { status: response.status, body: await response.json() };
}

async function stopDev(run: DevRun): Promise<number> {
  const started = performance.now();
  run.child.kill("SIGINT");
  const status = await run.child.status;
  equal(status.code, 0, run.output());
  return performance.now() - started;
}

/** Reads as a new user would, with plain curl: reads are open under `deno task dev`. */
async function powerRows(url: string): Promise<unknown[]> {
  const { status, body } = await getJson(`${url}/signals/power/latest`);
  if (status !== 200) return [];
  const rows = (body as { data?: unknown[] }).data ?? body;
  return Array.isArray(rows) ? rows : [];
}

Deno.test({
  name:
    "deno task dev serves live data, stops cleanly on Ctrl-C and keeps its data and admin key for the next run",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "signals-dev-" });
    await Deno.chmod(dataDir, 0o755);
    const ports = { nats: freePort(), postgres: freePort(), api: freePort() };
    const env = {
      DATA_DIR: dataDir,
      PORT: String(ports.api),
      NATS_PORT: String(ports.nats),
      POSTGRES_PORT: String(ports.postgres),
    };
    const url = `http://127.0.0.1:${ports.api}`;
    const runs: DevRun[] = [];
    try {
      const first = startDev(env);
      runs.push(first);
      await waitUntil("the API key", () => Promise.resolve(first.apiKey() !== undefined), 60_000);
      ok(first.output().includes(`http://localhost:${ports.api}`), "prints the API's URL");
      await waitUntil("power rows", async () => (await powerRows(url)).length > 0, 60_000);
      await waitUntil(
        "a healthy system",
        async () => (await getJson(`${url}/health`)).status === 200,
        60_000,
      );
      const health = await getJson(`${url}/health`);
      equal(health.status, 200, JSON.stringify(health.body));
      const admin = await fetch(`${url}/admin/replay/none`);
      equal(admin.status, 401, "admin endpoints need the printed key");
      await admin.body?.cancel();
      const adminWithKey = await getJson(`${url}/admin/replay/none`, first.apiKey());
      equal(adminWithKey.status, 404, "the printed key is an admin key");
      ok((await stopDev(first)) < 10_000, "stops within 10 s");
      for (const port of Object.values(ports)) equal(await isListening(port), false, `${port}`);

      const second = startDev(env);
      runs.push(second);
      await waitUntil("the API key", () => Promise.resolve(second.apiKey() !== undefined), 60_000);
      const kept = await powerRows(url);
      ok(kept.length > 0, "events and views from the first run are still there");
      equal(second.apiKey(), first.apiKey(), "the admin key is the same on the second run");
      ok(second.output().includes(`kept in ${dataDir}/admin_key`), "prints where the key is kept");
      equal((await Deno.readTextFile(`${dataDir}/admin_key`)).trim(), first.apiKey());
      await stopDev(second);
      for (const port of Object.values(ports)) equal(await isListening(port), false, `${port}`);
    } finally {
      for (const run of runs) {
        try {
          run.child.kill("SIGINT");
          await run.child.status;
        } catch {
          // Already stopped.
        }
      }
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test("deno task dev refuses a busy API port, naming PORT, before starting anything", async () => {
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const dataDir = await Deno.makeTempDir({ prefix: "signals-dev-busy-" });
  try {
    const { port } = busy.addr as Deno.NetAddr;
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-P=dev", "dev/main.ts"],
      cwd: ROOT,
      env: { DATA_DIR: dataDir, PORT: String(port), NATS_PORT: "1", POSTGRES_PORT: "1" },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(stderr);
    equal(code, 1, text);
    ok(text.includes(`Port ${port} is already in use: set PORT`), text);
    deepEqual([...Deno.readDirSync(dataDir)], [], "nothing was started");
  } finally {
    busy.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});
