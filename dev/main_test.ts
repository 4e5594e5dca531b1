import { deepEqual, equal, ok } from "node:assert/strict";
import { isListening, waitUntil } from "./ports.ts";
import { freshDevRunEnv, type SpawnedService, spawnService, startDevRun } from "../testing/mod.ts";

/** The admin key the run printed, once it has. */
const apiKeyOf = (run: SpawnedService) => /API key: (\w+)/.exec(run.output())?.[1];

async function getJson(url: string, key?: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  return { status: response.status, body: await response.json() };
}

/** Ctrl-C: it must exit 0, within a deadline (generous: each service has a 5 s grace). */
async function stopDev(run: SpawnedService): Promise<void> {
  run.child.kill("SIGINT");
  await waitUntil("dev to stop", () => Promise.resolve(run.exitCode() !== undefined), 60_000);
  equal(run.exitCode(), 0, run.output());
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
    const dev = await freshDevRunEnv();
    const { env, dataDir, apiUrl: url } = dev;
    const runs: SpawnedService[] = [];
    try {
      const first = startDevRun(env);
      runs.push(first);
      await waitUntil("the API key", () => Promise.resolve(apiKeyOf(first) !== undefined), 60_000);
      ok(first.output().includes(`http://localhost:${dev.env.PORT}`), "prints the API's URL");
      await waitUntil("power rows", async () => (await powerRows(url)).length > 0, 60_000);
      // Waited for, then asserted on the last answer, so a failure shows its body.
      let health = await getJson(`${url}/health`);
      await waitUntil("a healthy system", async () => {
        health = await getJson(`${url}/health`).catch(() => health);
        return health.status === 200;
      }, 60_000).catch(() => {});
      equal(health.status, 200, JSON.stringify(health.body));
      const admin = await fetch(`${url}/admin/replay/none`);
      equal(admin.status, 401, "admin endpoints need the printed key");
      await admin.body?.cancel();
      const adminWithKey = await getJson(`${url}/admin/replay/none`, apiKeyOf(first));
      equal(adminWithKey.status, 404, "the printed key is an admin key");
      await stopDev(first);
      for (const port of dev.ports) equal(await isListening(port), false, `${port}`);

      const second = startDevRun(env);
      runs.push(second);
      await waitUntil("the API key", () => Promise.resolve(apiKeyOf(second) !== undefined), 60_000);
      const kept = await powerRows(url);
      ok(kept.length > 0, "events and views from the first run are still there");
      equal(apiKeyOf(second), apiKeyOf(first), "the admin key is the same on the second run");
      ok(second.output().includes(`kept in ${dataDir}/admin_key`), "prints where the key is kept");
      equal((await Deno.readTextFile(`${dataDir}/admin_key`)).trim(), apiKeyOf(first));
      await stopDev(second);
      for (const port of dev.ports) equal(await isListening(port), false, `${port}`);
    } finally {
      for (const run of runs) await run.stop("SIGINT");
      await dev.remove();
    }
  },
});

Deno.test("deno task dev refuses a busy API port, naming PORT, before starting anything", async () => {
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const dataDir = await Deno.makeTempDir({ prefix: "signals-dev-busy-" });
  try {
    const { port } = busy.addr as Deno.NetAddr;
    const run = spawnService("dev/main.ts", {
      permissions: "dev",
      env: { DATA_DIR: dataDir, PORT: String(port), NATS_PORT: "1", POSTGRES_PORT: "1" },
    });
    const code = await run.exited;
    const text = run.output();
    equal(code, 1, text);
    ok(text.includes(`Port ${port} is already in use: set PORT`), text);
    deepEqual([...Deno.readDirSync(dataDir)], [], "nothing was started");
  } finally {
    busy.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});
