import { equal, match, notEqual, ok } from "node:assert/strict";
import { commitBatch, decodeBatch } from "../projector/mod.ts";
import { publishEvents, testEvent, waitUntil } from "../testing/mod.ts";
import { seedMachines, seedStateChanges, T0 } from "./_seed.ts";
import { startTestEnv, type TestEnv } from "./_test_stack.ts";
import { listenForCommits, type ReadModelVersion } from "./read_model_version.ts";

const KEY = "cache-test-read-key";
const auth = { authorization: `Bearer ${KEY}` };
let minute = 0;

/**
 * Commits `to` as machine `machine`'s new state through the projector's own batch writer; with
 * `version`, waits until its notification has arrived too, so the next read is a fresh one.
 */
async function commitState(
  env: TestEnv,
  machine: string,
  to: "running" | "idle" | "fault",
  version?: ReadModelVersion,
) {
  const before = version?.current();
  const event = testEvent("state_change", machine, T0 + ++minute * 60_000, { from: null, to });
  await commitBatch(env.sql, decodeBatch(await publishEvents(env.nats, [event])));
  if (version) {
    await waitUntil("the commit's notification", () => {
      const now = version.current();
      return Promise.resolve(now !== undefined && now !== before);
    }, 10_000);
  }
}

type App = ReturnType<TestEnv["app"]>;

async function stateOf(app: App, machine: string): Promise<string | undefined> {
  const response = await app.request("/machines", { headers: auth });
  equal(response.status, 200);
  const body = await response.json() as { data: { machineId: string; state: string }[] };
  return body.data.find((m) => m.machineId === machine)?.state;
}

/** Milliseconds from now until `machine` reads as `state` through `app`; throws after 10 s. */
async function msUntilSeen(app: App, machine: string, state: string): Promise<number> {
  const started = performance.now();
  while ((await stateOf(app, machine)) !== state) {
    if (performance.now() - started > 10_000) throw new Error(`never saw ${machine} ${state}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return performance.now() - started;
}

async function listening(version: ReadModelVersion): Promise<string> {
  await waitUntil(
    "the read model listener",
    () => Promise.resolve(version.current() !== undefined),
  );
  return version.current()!;
}

Deno.test("answer cache: repeats come from memory, and every commit is seen at once", async (t) => {
  const env = await startTestEnv();
  const version = listenForCommits(env.stack.databaseUrl, { pingMs: 200 });
  try {
    const app = env.app({
      readModelVersion: version,
      settings: { apiKeys: [{ key: KEY, role: "read" }] },
    });
    await listening(version);
    await commitState(env, "m-1", "running", version);
    await msUntilSeen(app, "m-1", "running");

    await t.step("a repeated read is answered from memory until the next commit", async () => {
      // given a cached answer, when the table changes behind the projector's back (no commit of
      // the checkpoints, so no notification), then the cached answer is still served
      equal(await stateOf(app, "m-1"), "running");
      await env.sql`UPDATE machines SET state = 'stopped' WHERE machine_id = 'm-1'`;
      equal(await stateOf(app, "m-1"), "running");
      // and a commit through the projector replaces it
      await commitState(env, "m-1", "idle", version);
      await msUntilSeen(app, "m-1", "idle");
    });

    await t.step(
      "a commit is seen through the API within 100 ms, cached answers included",
      async () => {
        // On a busy machine one attempt can be delayed by the scheduler; the best of five is the
        // lag the mechanism adds. Every attempt must see its commit, and no answer read after the
        // commit's notification is stale.
        const lags: number[] = [];
        for (
          const [i, to] of (["fault", "running", "idle", "fault", "running"] as const).entries()
        ) {
          equal(
            await stateOf(app, "m-1"),
            i === 0 ? "idle" : ["fault", "running", "idle", "fault"][i - 1],
          );
          const before = version.current();
          await commitState(env, "m-1", to);
          lags.push(await msUntilSeen(app, "m-1", to));
          await waitUntil(
            "the commit's notification",
            () => Promise.resolve(version.current() !== before),
          );
          equal(await stateOf(app, "m-1"), to);
        }
        ok(Math.min(...lags) <= 100, `lag from commit to a fresh answer, ms: ${lags.join(", ")}`);
      },
    );

    await t.step("a repeat carries the first answer's headers and its own request id", async () => {
      const first = await app.request("/machines", { headers: auth });
      const repeat = await app.request("/machines", {
        headers: { ...auth, "x-request-id": "given-id-1" },
      });
      equal(await repeat.text(), await first.text());
      equal(repeat.headers.get("x-request-id"), "given-id-1");
      notEqual(first.headers.get("x-request-id"), "given-id-1");
      for (const name of ["content-security-policy", "x-content-type-options", "content-type"]) {
        equal(repeat.headers.get(name), first.headers.get(name), name);
        ok(repeat.headers.get(name), name);
      }
    });

    await t.step(
      "If-None-Match gets a 304 from memory; the ETag changes with the answer",
      async () => {
        const first = await app.request("/machines", { headers: auth });
        const etag = first.headers.get("etag");
        ok(etag, "a cached answer has an ETag");
        await first.body?.cancel();
        const again = await app.request("/machines", {
          headers: { ...auth, "if-none-match": etag! },
        });
        equal(again.status, 304);
        await commitState(env, "m-1", "idle", version);
        await msUntilSeen(app, "m-1", "idle");
        const changed = await app.request("/machines", {
          headers: { ...auth, "if-none-match": etag! },
        });
        equal(changed.status, 200);
        notEqual(changed.headers.get("etag"), etag);
        await changed.body?.cancel();
      },
    );

    await t.step("concurrent misses of one answer read it once", async () => {
      const stored = async () => {
        const text = await (await app.request("/metrics")).text();
        return Number(/api_cache_answers_total\{outcome="stored"\} (\d+)/.exec(text)?.[1]);
      };
      await commitState(env, "m-1", "idle", version);
      const before = await stored();
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => app.request("/machines?limit=50", { headers: auth })),
      );
      const bodies = await Promise.all(answers.map((r) => r.text()));
      equal(new Set(bodies).size, 1);
      equal(await stored(), before + 1);
    });

    await t.step("a large answer from memory is the same bytes as read", async () => {
      await seedStateChanges(env.sql, ["m-1"], 3000);
      await commitState(env, "m-1", "idle", version);
      const csv = async () =>
        await (await app.request("/signals/state_change?format=csv", { headers: auth })).text();
      const first = await csv();
      ok(first.length > 200_000, `${first.length} bytes, more than a few 64 KB chunks`);
      equal(await csv(), first);
      equal(await csv(), first);
    });

    await t.step("a cached answer never goes to a request without a valid key", async () => {
      equal(await stateOf(app, "m-1"), "idle");
      const refused: Record<string, string>[] = [{}, { authorization: "Bearer not-a-key-at-all" }];
      for (const headers of refused) {
        const response = await app.request("/machines", { headers });
        equal(response.status, 401);
        match(response.headers.get("content-type") ?? "", /problem\+json/);
        await response.body?.cancel();
      }
    });

    await t.step("errors are never cached", async () => {
      const bad = () => app.request("/signals/power?from=yesterday", { headers: auth });
      for (let i = 0; i < 2; i++) {
        const response = await bad();
        equal(response.status, 400);
        await response.body?.cancel();
      }
      // a 404, then the machine appears behind the cache's back: the 404 was not kept
      const missing = await app.request("/machines/m-001", { headers: auth });
      equal(missing.status, 404);
      await missing.body?.cancel();
      await seedMachines(env.sql, ["running"]);
      const found = await app.request("/machines/m-001", { headers: auth });
      equal(found.status, 200);
      await found.body?.cancel();
    });

    await t.step("while the listening connection is down, nothing stale is served", async () => {
      // given a cached answer
      equal(await stateOf(app, "m-1"), "idle");
      const before = version.current();
      // when the listener's connection is cut, and the table changes meanwhile (the notifications
      // of that time are lost with the connection)
      await env.sql`UPDATE machines SET state = 'stopped' WHERE machine_id = 'm-1'`;
      await env.sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = 'signals-api-listen'`;
      // then the API reads the database, during the outage and after the listener is back
      await waitUntil("the listener back", () => {
        const now = version.current();
        return Promise.resolve(now !== undefined && now.split(":")[0] !== before?.split(":")[0]);
      }, 10_000);
      equal(await stateOf(app, "m-1"), "stopped");
    });

    await t.step("an answer larger than a quarter of API_CACHE_BYTES is not kept", async () => {
      const small = env.app({
        readModelVersion: version,
        settings: { apiKeys: [{ key: KEY, role: "read" }], cacheBytes: 2048 },
      });
      await commitState(env, "m-1", "fault", version);
      await msUntilSeen(small, "m-1", "fault");
      // /machines/m-1 is over 512 bytes: read, changed behind the cache, read again
      const read = async () =>
        (await (await small.request("/machines/m-1", { headers: auth })).json()).state;
      equal(await read(), "fault");
      await env.sql`UPDATE machines SET state = 'stopped' WHERE machine_id = 'm-1'`;
      equal(await read(), "stopped");
    });
  } finally {
    await version.stop();
    await env.close();
  }
});

Deno.test("answer cache is bypassed while the read models' version is unknown", async () => {
  const env = await startTestEnv();
  try {
    let known: string | undefined;
    const app = env.app({
      readModelVersion: { current: () => known, stop: () => Promise.resolve() },
      settings: { apiKeys: [{ key: KEY, role: "read" }] },
    });
    await commitState(env, "m-9", "running");
    // given an answer cached while the version was known
    known = "1";
    equal(await stateOf(app, "m-9"), "running");
    await env.sql`UPDATE machines SET state = 'idle' WHERE machine_id = 'm-9'`;
    equal(await stateOf(app, "m-9"), "running");
    // when the version becomes unknown, then every read goes to the database
    known = undefined;
    equal(await stateOf(app, "m-9"), "idle");
    await env.sql`UPDATE machines SET state = 'fault' WHERE machine_id = 'm-9'`;
    equal(await stateOf(app, "m-9"), "fault");
  } finally {
    await env.close();
  }
});
