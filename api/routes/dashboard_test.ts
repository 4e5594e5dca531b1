import assert from "node:assert/strict";
import { seedMachines, seedPower, T0 } from "../_seed.ts";
import { startTestEnv } from "../_test_stack.ts";
import { DASHBOARD_CSP } from "./dashboard.ts";

Deno.test("the dashboard page, its assets and its power series", async (t) => {
  const env = await startTestEnv();
  try {
    // Given three machines with 10 minutes of power from T0: minute i averages (i+1) W each.
    const machines = await seedMachines(env.sql, ["running", "idle", "fault"]);
    await seedPower(env.sql, machines, 10);
    const keyed = env.app({ settings: { apiKeys: [{ key: "read-key-123", role: "read" }] } });

    await t.step("/ and its assets need no key and carry the strict CSP", async () => {
      for (
        const [path, type] of [
          ["/", "text/html"],
          ["/dashboard/app.js", "text/javascript"],
          ["/dashboard/app.css", "text/css"],
        ]
      ) {
        const res = await keyed.request(path!);
        assert.equal(res.status, 200, path);
        assert.ok(res.headers.get("content-type")?.startsWith(type!), path);
        assert.equal(res.headers.get("content-security-policy"), DASHBOARD_CSP);
        assert.ok((await res.text()).length > 1000, path);
      }
      const html = await (await keyed.request("/")).text();
      assert.match(html, /src="\/dashboard\/app\.js"/);
      assert.doesNotMatch(DASHBOARD_CSP, /unsafe|https?:|\*/);
    });

    await t.step("the rest of the API keeps its own CSP", async () => {
      const res = await env.app().request("/health");
      assert.equal(
        res.headers.get("content-security-policy")?.startsWith("default-src 'none'"),
        true,
      );
      assert.notEqual(res.headers.get("content-security-policy"), DASHBOARD_CSP);
      await res.body?.cancel();
    });

    await t.step("/dashboard/power sums the machines' minute averages over the hour", async () => {
      const to = new Date(T0 + 9 * 60_000 + 30_000).toISOString();
      const body = await (await env.app().request(`/dashboard/power?to=${to}&machine=m-002`))
        .json();
      assert.equal(body.minutes.length, 60);
      assert.equal(body.minutes.at(-1), new Date(T0 + 9 * 60_000).toISOString());
      assert.deepEqual(body.fleetW.slice(-10), [3, 6, 9, 12, 15, 18, 21, 24, 27, 30]);
      assert.deepEqual(body.machineW.slice(-3), [8, 9, 10]);
      assert.equal(body.fleetW[0], null, "minutes without data are null");
      const fleetOnly = await (await env.app().request(`/dashboard/power?to=${to}`)).json();
      assert.equal(fleetOnly.machineW, null);
    });

    await t.step("/dashboard/power needs a read key and names bad input", async () => {
      const denied = await keyed.request("/dashboard/power");
      assert.equal(denied.status, 401);
      await denied.body?.cancel();
      const unknown = await env.app().request("/dashboard/power?machine=m-404");
      assert.equal(unknown.status, 404);
      await unknown.body?.cancel();
      const bad = await env.app().request("/dashboard/power?to=soon");
      assert.equal(bad.status, 400);
      assert.match((await bad.json()).detail, /'to'/);
    });
  } finally {
    await env.close();
  }
});
