import assert from "node:assert/strict";
import { startTestEnv } from "./_test_stack.ts";
import { seedErrors, seedMachines, seedPower, seedStateChanges } from "./_seed.ts";

Deno.test("smoke", async () => {
  const env = await startTestEnv();
  try {
    const ms = await seedMachines(env.sql, ["running", "idle", "fault"]);
    await seedStateChanges(env.sql, ms, 50);
    await seedErrors(env.sql, ms, 20);
    await seedPower(env.sql, ms, 90);
    const app = env.app();
    for (
      const path of [
        "/signals/state_change?limit=3",
        "/signals/power?bucket=1h&limit=2",
        "/signals/error/latest?limit=2",
        "/machines",
        "/machines/m-001",
        "/health",
        "/metrics",
        "/signals/nope",
        "/signals/power?from=yesterday-ish",
        "/signals/power?limit=0",
        "/failures",
        "/openapi.json",
        "/signals/state_change?format=csv&limit=3",
      ]
    ) {
      const res = await app.request(path);
      const text = await res.text();
      console.log(path, res.status, res.headers.get("content-type"), text.slice(0, 600));
    }
  } finally {
    await env.close();
  }
});
