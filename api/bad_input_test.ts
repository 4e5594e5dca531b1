import assert from "node:assert/strict";
import { encodeCursor } from "./cursor.ts";
import { seedErrors, seedMachines, seedPower, T0 } from "./_seed.ts";
import { startTestEnv } from "./_test_stack.ts";

Deno.test("bad input on the signal routes is a 4xx problem, never a 5xx", async (t) => {
  const env = await startTestEnv();
  try {
    const machines = await seedMachines(env.sql, ["running", "idle"]);
    await seedErrors(env.sql, machines, 10);
    await seedPower(env.sql, machines, 10);
    const app = env.app();

    await t.step("bad input is a 4xx problem naming the field and the value", async (t) => {
      const cases: [string, number, string, string][] = [
        ["/signals/nope", 404, "state_change, error, power, sensor, xray", ""],
        ["/signals/power?from=yesterday-ish", 400, "from", "yesterday-ish"],
        ["/signals/power?from=2026-13-01", 400, "from", "2026-13-01"],
        ["/signals/power?from=2026-02-30T00:00:00Z", 400, "from", "2026-02-30T00:00:00Z"],
        [`/signals/power?from=${T0 + 1}&to=${T0}`, 400, "from", String(T0 + 1)],
        ["/signals/power?limit=0", 400, "limit", "0"],
        ["/signals/power?limit=1001", 400, "limit", "1001"],
        ["/signals/power?limit=abc", 400, "limit", "abc"],
        ["/signals/power?order=sideways", 400, "order", "sideways"],
        ["/signals/power?cursor=garbage!", 400, "cursor", "garbage!"],
        ["/signals/power?bucket=7m", 400, "bucket", "7m"],
        ["/signals/power?machine=nope", 404, "machine", "nope"],
        ["/signals/power?machine=bad.id", 400, "machine", "bad.id"],
        ["/signals/error?severity=loud", 400, "severity", "loud"],
        ["/signals/power?form=2026-11-23", 400, "'form' is not a parameter", "2026-11-23"],
        ["/machines?stat=idle", 400, "'stat'", "idle"],
        ["/signals/error?code=a%00b", 400, "code", "a\u0000b"],
        ["/signals/error?machine=m-001&machine=no%20pe", 400, "'machine'", "no pe"],
        ["/signals/power?severity=info", 400, "severity", "info"],
        ["/signals/sensor?failure=maybe", 400, "failure", "maybe"],
        ["/signals/error/not-a-uuid", 400, "id", "not-a-uuid"],
        ["/signals/power/m-001@yesterday", 400, "id", "m-001@yesterday"],
      ];
      for (const [path, status, field, value] of cases) {
        await t.step(path, async () => {
          const res = await app.request(path);
          assert.equal(res.status, status);
          assert.equal(res.headers.get("content-type"), "application/problem+json");
          const problem = await res.json();
          assert.equal(problem.status, status);
          assert.ok(problem.detail.includes(field), problem.detail);
          if (value) assert.ok(problem.detail.includes(value), problem.detail);
        });
      }
    });

    await t.step("a forged cursor is a 400, never a database error", async () => {
      const forged = [
        { s: "error", o: "desc" as const, k: ["a", "b"] },
        { s: "error", o: "desc" as const, k: [1e300, 1] },
        { s: "error", o: "desc" as const, k: [-1e20, 1] },
        { s: "power:1h", o: "desc" as const, k: [0, "bad id!"] },
        { s: "power:1m", o: "desc" as const, k: [0, "m-001", 3] },
      ];
      for (const cursor of forged) {
        const type = cursor.s.startsWith("power") ? "power" : "error";
        const bucket = cursor.s.split(":")[1] ?? "1m";
        const res = await app.request(
          `/signals/${type}?bucket=${bucket}&cursor=${encodeCursor(cursor)}`.replace(
            type === "error" ? "bucket=1m&" : "#",
            "",
          ),
        );
        assert.equal(res.status, 400, JSON.stringify(cursor));
        assert.match((await res.json()).detail, /'cursor'/);
      }
    });

    await t.step("a cursor is refused by another list or order", async () => {
      const page = await (await app.request(`/signals/error?limit=2`)).json();
      const other = await app.request(`/signals/state_change?cursor=${page.next}`);
      assert.equal(other.status, 400);
      const flipped = await app.request(`/signals/error?order=asc&cursor=${page.next}`);
      assert.equal(flipped.status, 400);
      assert.match((await flipped.json()).detail, /order=desc/);
      await other.body?.cancel();
    });
  } finally {
    await env.close();
  }
});
