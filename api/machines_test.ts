import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { idOf, seedErrors, seedMachines, T0 } from "./_seed.ts";
import { startTestEnv } from "./_test_stack.ts";

Deno.test("machines and failures answer from their read models", async (t) => {
  const env = await startTestEnv();
  try {
    const states = Array.from({ length: 23 }, (_, i) => ["running", "idle", "fault"][i % 3]!);
    const machines = await seedMachines(env.sql, states);
    await seedErrors(env.sql, machines.slice(0, 2), 30);
    const failures = [
      { start_seq: 1, machine: "m-001", type: "bearing", start: 0, end: 600_000 },
      { start_seq: 2, machine: "m-002", type: "overheat", start: 300_000, end: null },
      { start_seq: 3, machine: "m-001", type: "bearing", start: 3_600_000, end: null },
      { start_seq: 4, machine: "m-003", type: "clog", start: 7_200_000, end: 7_500_000 },
    ];
    for (const f of failures) {
      await env.sql`INSERT INTO failures (start_seq, start_event_id, machine_id, type, started_at,
        ended_at, end_seq, end_event_id, peak_progress) VALUES (${f.start_seq}, ${
        idOf(f.start_seq, 5)
      },
        ${f.machine}, ${f.type}, ${new Date(T0 + f.start)},
        ${f.end === null ? null : new Date(T0 + f.end)}, ${
        f.end === null ? null : 100 + f.start_seq
      },
        ${f.end === null ? null : idOf(f.start_seq, 6)}, 0.5)`;
    }
    const app = env.app();

    await t.step("the machine list pages by id through every machine", async () => {
      const seen: string[] = [];
      let url = "/machines?limit=5";
      for (let i = 0; i < 10; i++) {
        const body = await (await app.request(url)).json();
        seen.push(...body.data.map((m: { machineId: string }) => m.machineId));
        if (!body.next) break;
        url = `/machines?limit=5&cursor=${body.next}`;
      }
      assert.deepEqual(seen, machines);
    });

    await t.step("state filters the list; CSV exports it", async () => {
      const body = await (await app.request("/machines?state=fault&state=idle")).json();
      assert.equal(body.data.length, 15);
      assert.ok(body.data.every((m: { state: string }) => m.state !== "running"));
      const csv = parse(await (await app.request("/machines?format=csv")).text(), {
        columns: true,
      }) as Record<string, string>[];
      assert.equal(csv.length, 23);
      assert.equal(csv[0]!.energy_wh, "2000");
    });

    await t.step("one machine has its last 10 errors and its ongoing failure", async () => {
      const m = await (await app.request("/machines/m-001")).json();
      assert.equal(m.state, "running");
      assert.equal(m.lastPowerW, 1234.5);
      assert.equal(m.recentErrors.length, 10);
      assert.equal(m.recentErrors[0].seq, 5028);
      assert.equal(m.ongoingFailure.seq, 3);
      const quiet = await (await app.request("/machines/m-005")).json();
      assert.equal(quiet.ongoingFailure, null);
      assert.deepEqual(quiet.recentErrors, []);
    });

    await t.step("an unknown machine is a 404, a malformed id a 400", async () => {
      const unknown = await app.request("/machines/m-999");
      assert.equal(unknown.status, 404);
      assert.match((await unknown.json()).detail, /m-999/);
      const bad = await app.request("/machines/bad%20id");
      assert.equal(bad.status, 400);
      assert.match((await bad.json()).detail, /'id'.*bad id/);
    });

    await t.step("failures overlap the window and filter by machine and ongoing", async () => {
      const all = await (await app.request("/failures?order=asc")).json();
      assert.deepEqual(all.data.map((f: { seq: number }) => f.seq), [1, 2, 3, 4]);
      const window = await (await app.request(
        `/failures?from=${T0 + 700_000}&to=${T0 + 3_600_001}`,
      )).json();
      assert.deepEqual(window.data.map((f: { seq: number }) => f.seq), [3, 2]);
      const ongoing = await (await app.request("/failures?ongoing=true&machine=m-001")).json();
      assert.deepEqual(ongoing.data.map((f: { seq: number }) => f.seq), [3]);
      assert.equal(ongoing.data[0].ongoing, true);
      const paged = await (await app.request("/failures?limit=3")).json();
      const rest = await (await app.request(`/failures?limit=3&cursor=${paged.next}`)).json();
      assert.deepEqual([...paged.data, ...rest.data].map((f: { seq: number }) => f.seq), [
        4,
        3,
        2,
        1,
      ]);
      assert.equal(rest.next, null);
      const csv = await app.request("/failures", { headers: { accept: "text/csv" } });
      assert.equal(parse(await csv.text(), { columns: true }).length, 4);
    });

    await t.step("bad failure filters are 4xx naming the field", async () => {
      for (
        const [path, field] of [["/failures?ongoing=yes", "ongoing"], [
          "/failures?machine=zz",
          "machine",
        ], ["/failures?to=tomorrow", "to"]]
      ) {
        const res = await app.request(path!);
        assert.ok(res.status === 400 || res.status === 404, path);
        assert.ok((await res.json()).detail.includes(field!));
      }
    });
  } finally {
    await env.close();
  }
});
