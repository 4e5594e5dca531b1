import { equal, ok } from "node:assert/strict";
import postgres from "postgres";
import { startTestStack } from "../dev/stack.ts";
import { sleep } from "../lib/mod.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/** Runs `projector/main.ts` as `deno task projector` does, until it exits. */
function spawnProjector(env: Record<string, string>) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=projector", "projector/main.ts"],
    cwd: ROOT,
    env: { ...env, LOG_LEVEL: "error" },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}

/** Waits until the projector wrote a heartbeat after `since`: it is up and its handlers are set. */
async function waitForHeartbeat(databaseUrl: string, since: Date) {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    // A deadline, not a count of tries: a loaded machine starts a process slowly.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const rows = await sql`SELECT 1 FROM projector_status WHERE heartbeat_at > ${since}`
        .catch(() => []);
      if (rows.length > 0) return;
      await sleep(50);
    }
    throw new Error("The projector never reported a heartbeat");
  } finally {
    await sql.end();
  }
}

Deno.test("projector stops with exit code 0 on SIGTERM and SIGINT, even with PostgreSQL down", async (t) => {
  const stack = await startTestStack();
  const env = { NATS_URL: stack.natsUrl, DATABASE_URL: stack.databaseUrl };
  try {
    await t.step("SIGINT while running", async () => {
      const child = spawnProjector(env);
      await waitForHeartbeat(stack.databaseUrl, new Date());
      child.kill("SIGINT");
      equal((await child.status).code, 0);
    });
    await t.step("SIGTERM while PostgreSQL is down", async () => {
      const child = spawnProjector(env);
      await waitForHeartbeat(stack.databaseUrl, new Date());
      await stack.withPostgresDown(async () => {
        await sleep(500);
        const started = performance.now();
        child.kill("SIGTERM");
        equal((await child.status).code, 0);
        ok(performance.now() - started < 10_000, "stops within 10 s");
      });
    });
  } finally {
    await stack.stop();
  }
});
