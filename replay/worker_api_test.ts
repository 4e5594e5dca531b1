import { deepEqual, equal } from "node:assert/strict";
import { freePort } from "../dev/ports.ts";
import { fleetEvents, spawnService, startSeededEnv, waitUntil } from "../testing/mod.ts";

const KEY = "admin-key-0001";

/** The API as `deno task api` runs it, on `port`. */
function startApi(env: Record<string, string>, port: number) {
  return spawnService("api/main.ts", {
    permissions: "api",
    env: { ...env, PORT: String(port), API_KEYS: `ops:${KEY}:admin` },
  });
}

Deno.test("replay jobs survive an API restart and are run by a worker process", async () => {
  const env = await startSeededEnv(fleetEvents(60));
  const services = {
    NATS_URL: env.stack.natsUrl,
    DATABASE_URL: env.stack.databaseUrl,
    LOG_LEVEL: "warn",
  };
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  const auth = { authorization: `Bearer ${KEY}` };
  const job = async (id: string) =>
    await (await fetch(`${base}/admin/replay/${id}`, { headers: auth })).json();
  const up = () =>
    waitUntil("the API", async () => {
      const res = await fetch(`${base}/health`).catch(() => undefined);
      await res?.body?.cancel();
      return res !== undefined;
    }, 60_000);
  let api = startApi(services, port);
  let worker;
  try {
    await up();
    const ids: string[] = [];
    for (const projection of ["errors", "machines"]) {
      const res = await fetch(`${base}/admin/replay`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ projection }),
      });
      equal(res.status, 202);
      ids.push((await res.json()).id);
    }
    const before = await Promise.all(ids.map(job));
    // when the API restarts
    equal(await api.stop(), 0);
    api = startApi(services, port);
    await up();
    // then the jobs are still there, as they were
    deepEqual(await Promise.all(ids.map(job)), before);
    // and a worker process runs them to the end
    worker = spawnService("replay/main.ts", {
      permissions: "replay",
      args: ["--worker"],
      env: services,
    });
    await waitUntil(
      "both jobs to succeed",
      // The worker runs at REPLAY_NICE=10: on a busy machine it gets a fraction of a core.
      async () => (await Promise.all(ids.map(job))).every((j) => j.state === "succeeded"),
      180_000,
    );
  } finally {
    await worker?.stop();
    await api.stop();
    await env.close();
  }
});
