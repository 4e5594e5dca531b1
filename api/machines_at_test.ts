import assert from "node:assert/strict";
import fc from "fast-check";
import type { Sql } from "postgres";
import { machineAt, machinesAt } from "./machines_at.ts";
import { eventAt, projectEvents } from "./machines_at_fixture.ts";
import { startTestEnv } from "./_test_stack.ts";
import { T0 } from "./_seed.ts";

const MIN = 60_000;
const STATES = ["running", "idle", "stopped", "fault"] as const;
const ev = eventAt;

async function reset(sql: Sql): Promise<void> {
  await sql`TRUNCATE machines, state_changes, errors, error_minutes, power_minutes,
    sensor_readings, failures, xray_scans, projection_checkpoints`;
}

Deno.test("the fleet as of an instant is folded from the history tables", async (t) => {
  const env = await startTestEnv();
  try {
    // Given m-001 idle at T0, running at +10m, fault at +30m; errors at +5m, +20m, +50m; a
    // bearing failure from +15m to +25m and another from +45m on; power at +12m. m-002 starts at +40m.
    const events = [
      ev("state_change", "m-001", T0, { from: null, to: "idle" }),
      ev("error", "m-001", T0 + 5 * MIN, { code: "E1", severity: "warning", message: "one" }),
      ev("state_change", "m-001", T0 + 10 * MIN, { from: "idle", to: "running" }),
      ev("power", "m-001", T0 + 12 * MIN, { sampleRateHz: 10, watts: [100, 200, 300] }),
      ev("sensor", "m-001", T0 + 15 * MIN, {
        readings: { t: 1 },
        failure: { type: "bearing", progress: 0.2 },
      }),
      ev("error", "m-001", T0 + 20 * MIN, { code: "E2", severity: "critical", message: "two" }),
      ev("sensor", "m-001", T0 + 25 * MIN, { readings: { t: 1 }, failure: null }),
      ev("state_change", "m-001", T0 + 30 * MIN, { from: "running", to: "fault" }),
      ev("state_change", "m-002", T0 + 40 * MIN, { from: null, to: "running" }),
      ev("sensor", "m-001", T0 + 45 * MIN, {
        readings: { t: 1 },
        failure: { type: "clog", progress: 0.1 },
      }),
      ev("error", "m-001", T0 + 50 * MIN, { code: "E3", severity: "info", message: "three" }),
    ];
    await projectEvents(env.sql, events);

    await t.step("between changes: state and since when, the last error, the minute", async () => {
      const m = await machineAt(env.sql, "m-001", new Date(T0 + 12 * MIN + 30_000));
      assert.equal(m?.state, "running");
      assert.equal(m?.stateSince, new Date(T0 + 10 * MIN).toISOString());
      assert.equal(m?.lastError?.code, "E1");
      assert.equal(m?.openFailure, null);
      assert.equal(m?.power?.minute, new Date(T0 + 12 * MIN).toISOString());
      assert.equal(m?.power?.avgW, 200);
      assert.equal(m?.errorsLastHour, 1);
    });

    await t.step("inside a failure episode it is open; after its end it is not", async () => {
      const during = await machineAt(env.sql, "m-001", new Date(T0 + 20 * MIN));
      assert.equal(during?.openFailure?.type, "bearing");
      assert.equal(during?.lastError?.code, "E2", "an error exactly at T counts");
      assert.equal(during?.errorsLastHour, 2);
      assert.equal(during?.power, null);
      const after = await machineAt(env.sql, "m-001", new Date(T0 + 26 * MIN));
      assert.equal(after?.openFailure, null);
      const later = await machineAt(env.sql, "m-001", new Date(T0 + 46 * MIN));
      assert.equal(later?.openFailure?.type, "clog");
    });

    await t.step("errors older than an hour before T no longer count", async () => {
      const m = await machineAt(env.sql, "m-001", new Date(T0 + 65 * MIN + 1));
      assert.equal(m?.errorsLastHour, 2);
      assert.equal(m?.lastError?.code, "E3");
      assert.equal(m?.state, "fault");
    });

    await t.step("a machine before its first event has no state", async () => {
      const fleet = await machinesAt(env.sql, new Date(T0 + 12 * MIN));
      assert.deepEqual(fleet.map((m) => m.machineId), ["m-001", "m-002"]);
      const m2 = fleet[1]!;
      assert.equal(m2.state, null);
      assert.equal(m2.stateSince, null);
      assert.equal(m2.lastError, null);
      const running = await machinesAt(env.sql, new Date(T0 + 41 * MIN), {
        filter: { state: ["running"] },
      });
      assert.deepEqual(running.map((m) => m.machineId), ["m-002"]);
    });

    await t.step("an unknown machine is undefined", async () => {
      assert.equal(await machineAt(env.sql, "m-404", new Date(T0)), undefined);
    });

    await t.step("GET /machines?at= and /machines/{id}?at= answer it over HTTP", async () => {
      const app = env.app();
      const at = new Date(T0 + 20 * MIN).toISOString();
      const first = await (await app.request(`/machines?at=${at}&limit=1`)).json();
      assert.equal(first.data[0].machineId, "m-001");
      assert.equal(first.data[0].openFailure.type, "bearing");
      const second = await (await app.request(`/machines?at=${at}&limit=1&cursor=${first.next}`))
        .json();
      assert.deepEqual(second.data.map((m: { state: null }) => m.state), [null]);
      assert.equal(second.next, null);
      const one = await (await app.request(`/machines/m-001?at=${T0 + 31 * MIN}`)).json();
      assert.equal(one.state, "fault");
      assert.equal(one.errorsLastHour, 2);
      const csv = await (await app.request(`/machines?at=${at}&format=csv`)).text();
      assert.match(csv.split("\n")[0]!, /^machine_id,at,state,.*errors_last_hour/);
      // Without `at` the live view is unchanged: it has no errorsLastHour.
      const live = await (await app.request("/machines")).json();
      assert.equal(live.data[0].errorsLastHour, undefined);
      assert.equal(live.data[0].state, "fault");
    });

    await t.step(
      "episodes that start at the same instant: the later in the log is open",
      async () => {
        // Found by the property below: a bearing episode ended and a clog one started by two
        // readings with the same timestamp share started_at, and only the clog one is open.
        const at = T0 + 70 * MIN;
        await projectEvents(env.sql, [
          ev("state_change", "m-003", at, { from: null, to: "running" }),
          ev("sensor", "m-003", at, {
            readings: { t: 0 },
            failure: { type: "bearing", progress: 0 },
          }),
          ev("sensor", "m-003", at, {
            readings: { t: 3 },
            failure: { type: "clog", progress: 0.75 },
          }),
        ], [12, 13, 14]);
        for (const instant of [new Date(at), new Date()]) {
          const m = await machineAt(env.sql, "m-003", instant);
          assert.equal(m?.openFailure?.type, "clog", instant.toISOString());
        }
      },
    );

    await t.step("a bad or unknown ?at= request is a problem naming the field", async () => {
      const app = env.app();
      const bad = await app.request("/machines?at=yesterday");
      assert.equal(bad.status, 400);
      assert.match((await bad.json()).detail, /'at'.*yesterday/);
      const unknown = await app.request(`/machines/m-404?at=${T0}`);
      assert.equal(unknown.status, 404);
      await unknown.body?.cancel();
    });

    await t.step("OpenAPI documents the at parameter on both routes", async () => {
      const spec = await (await env.app().request("/openapi.json")).json();
      for (const path of ["/machines", "/machines/{id}"]) {
        const names = spec.paths[path].get.parameters.map((p: { name: string }) => p.name);
        assert.ok(names.includes("at"), `${path} documents 'at'`);
      }
    });
  } finally {
    await env.close();
  }
});

/** A generated history: for each machine, events at distinct offsets within two hours of T0. */
const historyArb = fc.array(
  fc.record({
    machine: fc.constantFrom("a", "b", "c"),
    offsetS: fc.integer({ min: 0, max: 7200 }),
    kind: fc.constantFrom("state", "error", "failure", "ok", "power"),
    pick: fc.integer({ min: 0, max: 3 }),
  }),
  { minLength: 1, maxLength: 40 },
).map((specs) =>
  specs.sort((x, y) => x.offsetS - y.offsetS).map((s) => {
    const at = T0 + s.offsetS * 1000;
    switch (s.kind) {
      case "state":
        return ev("state_change", s.machine, at, { from: null, to: STATES[s.pick]! });
      case "error":
        return ev("error", s.machine, at, {
          code: `E${s.pick}`,
          severity: ["info", "warning", "error", "critical"][s.pick]!,
          message: "generated",
        });
      case "failure":
        return ev("sensor", s.machine, at, {
          readings: { t: s.pick },
          failure: { type: ["bearing", "clog"][s.pick % 2]!, progress: s.pick / 4 },
        });
      case "ok":
        return ev("sensor", s.machine, at, { readings: { t: 0 }, failure: null });
      default:
        return ev("power", s.machine, at, { sampleRateHz: 100, watts: [s.pick * 10 + 1] });
    }
  })
);

Deno.test("time travel agrees with the live view and with a fold of the events", async (t) => {
  const env = await startTestEnv();
  try {
    await t.step(
      "at = now equals the live view; before the first event there is no state",
      () =>
        fc.assert(
          fc.asyncProperty(
            historyArb,
            fc.array(fc.integer({ min: 0, max: 7300 }), { minLength: 4, maxLength: 4 }),
            async (events, probes) => {
              await reset(env.sql);
              await projectEvents(env.sql, events);
              const now = new Date();
              const [travelled, live, ongoing] = await Promise.all([
                machinesAt(env.sql, now),
                env.sql`SELECT * FROM machines ORDER BY machine_id`,
                env.sql`SELECT machine_id, type, started_at FROM failures WHERE ended_at IS NULL`,
              ]);
              assert.deepEqual(travelled.map((m) => m.machineId), live.map((r) => r.machine_id));
              for (const [i, m] of travelled.entries()) {
                const row = live[i]!;
                assert.equal(m.state, row.state);
                assert.equal(m.stateSince, row.state_since?.toISOString() ?? null);
                assert.equal(m.lastError?.code ?? null, row.last_error_code);
                assert.equal(m.lastError?.at ?? null, row.last_error_at?.toISOString() ?? null);
                const open = ongoing.find((f) => f.machine_id === m.machineId);
                assert.equal(m.openFailure?.type ?? null, open?.type ?? null);
                assert.equal(
                  m.openFailure?.startedAt ?? null,
                  open?.started_at.toISOString() ?? null,
                );
              }

              // The same laws at arbitrary instants, against a fold of the generated events.
              for (const probeS of probes) {
                const probe = T0 + probeS * 1000;
                const seen = events.filter((e) => Date.parse(e.occurredAt) <= probe);
                const atProbe = await machinesAt(env.sql, new Date(probe));
                for (const m of atProbe) {
                  const mine = seen.filter((e) => e.machineId === m.machineId);
                  const lastState = mine.findLast((e) => e.type === "state_change");
                  const lastError = mine.findLast((e) => e.type === "error");
                  const lastSensor = mine.findLast((e) => e.type === "sensor");
                  assert.equal(m.state, lastState ? (lastState.data as { to: string }).to : null);
                  assert.equal(m.stateSince, lastState?.occurredAt ?? null);
                  assert.equal(m.lastError?.code ?? null, lastError ? lastError.data.code : null);
                  const failing = lastSensor?.type === "sensor" ? lastSensor.data.failure : null;
                  assert.equal(m.openFailure?.type ?? null, failing?.type ?? null);
                  const hourAgo = probe - 60 * MIN;
                  assert.equal(
                    m.errorsLastHour,
                    mine.filter((e) => e.type === "error" && Date.parse(e.occurredAt) > hourAgo)
                      .length,
                  );
                  // The power is that of the whole minute containing T, as recorded.
                  const minute = Math.floor(probe / MIN) * MIN;
                  const watts = events.flatMap((e) =>
                    e.type === "power" && e.machineId === m.machineId &&
                      Math.floor(Date.parse(e.occurredAt) / MIN) * MIN === minute
                      ? e.data.watts
                      : []
                  );
                  const avg = watts.length ? watts.reduce((a, b) => a + b) / watts.length : null;
                  assert.equal(m.power?.avgW ?? null, avg);
                  if (mine.length === 0) {
                    assert.deepEqual(
                      [m.state, m.stateSince, m.lastError, m.openFailure, m.errorsLastHour],
                      [null, null, null, null, 0],
                    );
                  }
                }
              }
            },
          ),
          { numRuns: 25 },
        ),
    );
  } finally {
    await env.close();
  }
});

Deno.test("a large page split into concurrent runs answers as one query does", async () => {
  const env = await startTestEnv();
  try {
    // Given 100 machines, each with a state change and an error at its own instant.
    const ids = Array.from({ length: 100 }, (_, i) => `m-${String(i + 1).padStart(3, "0")}`);
    await projectEvents(
      env.sql,
      ids.flatMap((m, i) => [
        ev("state_change", m, T0 + i * 1000, { from: null, to: STATES[i % 4] }),
        ev("error", m, T0 + i * 1000 + 500, { code: `E${i}`, severity: "info", message: "x" }),
      ]),
    );
    const at = new Date(T0 + 49_700);
    const one = await machinesAt(env.sql, at, { fanOut: { parts: 1 } });
    const split = await machinesAt(env.sql, at, { fanOut: { parts: 4, minMachines: 8 } });
    assert.equal(one.length, 100);
    assert.deepEqual(split, one);
    assert.equal(one[49]!.state, STATES[49 % 4]);
    assert.equal(one[50]!.state, null, "m-051 changes state only after T");

    // Over HTTP, keyset pages of 70 then 30 join into the same answer, in id order.
    const app = env.app();
    const first = await (await app.request(`/machines?at=${at.toISOString()}&limit=70`)).json();
    const rest = await (await app.request(
      `/machines?at=${at.toISOString()}&limit=70&cursor=${first.next}`,
    )).json();
    assert.deepEqual([...first.data, ...rest.data], one);
    assert.equal(rest.next, null);
  } finally {
    await env.close();
  }
});

Deno.test("errors in the last hour count the edge minutes to the millisecond", async () => {
  const env = await startTestEnv();
  try {
    // T sits 30.5 s into a minute, so T - 1h does too: both edge minutes are partial.
    const at = T0 + 2 * 60 * MIN + 30_500;
    const lastEdge = Math.floor(at / MIN) * MIN;
    const firstEdge = lastEdge - 60 * MIN;
    const err = (ms: number) =>
      ev("error", "m-001", ms, { code: "E", severity: "info", message: "" });
    const inside = [
      at - 60 * MIN + 1,
      firstEdge + MIN,
      firstEdge + 30 * MIN,
      lastEdge - 1,
      lastEdge,
      at,
    ];
    const outside = [firstEdge, firstEdge + 30_000, at - 60 * MIN, at + 1, lastEdge + MIN];
    await projectEvents(env.sql, [...inside, ...outside].sort((a, b) => a - b).map(err));
    const m = await machineAt(env.sql, "m-001", new Date(at));
    assert.equal(m?.errorsLastHour, inside.length);
    // On a minute boundary the first edge minute lies wholly outside, the last holds only T.
    const onMinute = await machineAt(env.sql, "m-001", new Date(lastEdge));
    const window = [...inside, ...outside].filter((ms) =>
      ms > lastEdge - 60 * MIN && ms <= lastEdge
    );
    assert.equal(onMinute?.errorsLastHour, window.length);
    const [row] = await env.sql<{ minutes: number }[]>`
      SELECT count(*)::int AS minutes FROM error_minutes WHERE machine_id = 'm-001'`;
    assert.equal(row?.minutes, 6, "the errors are counted per minute in error_minutes");
  } finally {
    await env.close();
  }
});
