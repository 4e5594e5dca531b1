import assert from "node:assert/strict";
import { startTestStack } from "../dev/stack.ts";
import { freePort, waitUntil } from "../dev/ports.ts";
import { ContractChecker } from "./_conformance.ts";

const MAIN = new URL("./main.ts", import.meta.url).pathname;

function spawnApi(env: Record<string, string>) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=api", MAIN],
    env: { LOG_LEVEL: "warn", ...env },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
}

/** `deno task api` on a stack of its own, once `path` answers 200 (with `init`). */
async function startApi(env: Record<string, string>, path: string, init?: RequestInit) {
  const stack = await startTestStack();
  const port = freePort();
  const api = spawnApi({
    PORT: String(port),
    HOSTNAME: "127.0.0.1",
    DATABASE_URL: stack.databaseUrl,
    NATS_URL: stack.natsUrl,
    ...env,
  });
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(
    `the API to answer ${path}`,
    () =>
      fetch(`${base}${path}`, init).then(async (r) => {
        await r.body?.cancel();
        return r.ok;
      }, () => false),
    60_000,
  ).catch(async (error) => {
    api.kill("SIGKILL");
    await api.status;
    await api.stderr.cancel();
    await stack.stop();
    throw error;
  });
  return { stack, api, base };
}

Deno.test("deno task api serves a migrated database and stops on SIGTERM", async () => {
  const { stack, api, base } = await startApi({ API_KEYS: "reader-key-1:read" }, "/metrics");
  try {
    // The API migrated the database itself, before any projector ran.
    const auth = { headers: { authorization: "Bearer reader-key-1" } };
    // Every answer of the real server is checked against the document it serves.
    const contract = new ContractChecker(await (await fetch(`${base}/openapi.json`, auth)).json());
    const get = async (path: string, init?: RequestInit) => {
      const res = await fetch(`${base}${path}`, init);
      await contract.check("GET", path, res);
      return res;
    };
    const latest = await get("/signals/power/latest", auth);
    assert.equal(latest.status, 200);
    assert.deepEqual(await latest.json(), { data: [], next: null });
    const docs = await get("/docs");
    assert.match(await docs.text(), /Signal service API/);
    const locked = await get("/machines");
    assert.equal(locked.status, 401);
    await locked.body?.cancel();
  } finally {
    api.kill("SIGTERM");
    const started = performance.now();
    const status = await api.status;
    await api.stderr.cancel();
    assert.ok(performance.now() - started < 10_000, "stops within 10 s");
    assert.equal(status.code, 0);
    await stack.stop();
  }
});

Deno.test("with API_WORKERS=2 two isolates serve one port and all stop on SIGTERM", async () => {
  const { stack, api, base } = await startApi({ API_WORKERS: "2" }, "/machines");
  try {
    // Each connection goes to one isolate or the other; every one is answered.
    const answers = await Promise.all(Array.from({ length: 16 }, async () => {
      const response = await fetch(`${base}/machines`, { headers: { connection: "close" } });
      await response.body?.cancel();
      return response.status;
    }));
    assert.deepEqual(answers, answers.map(() => 200));
  } finally {
    api.kill("SIGTERM");
    const status = await api.status;
    await api.stderr.cancel();
    assert.equal(status.code, 0);
    await stack.stop();
  }
});

Deno.test("a bad variable stops start-up with a message naming it", async (t) => {
  for (const [name, value] of [["PORT", "eighty"], ["API_KEYS", "secret-key:root"]]) {
    await t.step(name!, async () => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-P=api", MAIN],
        env: { [name!]: value! },
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 2);
      assert.match(stderr, new RegExp(name!));
      assert.ok(!stderr.includes("secret-key"), "keys are never echoed");
    });
  }
});
