import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { idOf, seedErrors, seedMachines, seedPower, seedStateChanges, T0 } from "./_seed.ts";
import { startTestEnv } from "./_test_stack.ts";

const MACHINES = ["running", "idle", "fault"];

async function json(
  res: Response,
): Promise<Record<string, unknown> & { data: Record<string, unknown>[]; next: string | null }> {
  return await res.json();
}

/** Follows `next` until the end; returns every row in order. */
async function readAll(
  app: { request(path: string): Response | Promise<Response> },
  path: string,
): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  let url = path;
  for (let page = 0; page < 1000; page++) {
    const res = await app.request(url);
    assert.equal(res.status, 200, url);
    const body = await json(res);
    rows.push(...body.data);
    if (!body.next) return rows;
    url = `${path}&cursor=${body.next}`;
  }
  throw new Error("pagination did not end");
}

Deno.test("signal lists filter, paginate and export read-model rows", async (t) => {
  const env = await startTestEnv();
  try {
    const machines = await seedMachines(env.sql, MACHINES);
    await seedStateChanges(env.sql, machines, 250);
    await seedErrors(env.sql, machines, 40);
    await seedPower(env.sql, machines, 150);
    const app = env.app();

    await t.step("a date range selects [from, to), newest first by default", async () => {
      const from = new Date(T0 + 10_000).toISOString();
      const to = T0 + 20_000;
      const body = await json(await app.request(`/signals/state_change?from=${from}&to=${to}`));
      // Two rows per second: seconds 10..19.
      assert.equal(body.data.length, 20);
      const times = body.data.map((r) => Date.parse(r.at as string));
      assert.ok(times.every((t) => t >= T0 + 10_000 && t < to));
      assert.deepEqual(times, [...times].sort((a, b) => b - a));
      assert.equal(body.next, null);
    });

    await t.step("pagination visits every row once, in both orders", async () => {
      for (const order of ["asc", "desc"]) {
        const rows = await readAll(app, `/signals/state_change?order=${order}&limit=7`);
        const seqs = rows.map((r) => r.seq as number);
        assert.equal(seqs.length, 250);
        assert.equal(new Set(seqs).size, 250);
        const keys = rows.map((r) => [Date.parse(r.at as string), r.seq as number] as const);
        const sorted = [...keys].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        assert.deepEqual(keys, order === "asc" ? sorted : sorted.reverse());
      }
    });

    await t.step("machine is repeatable and type filters apply", async () => {
      const two = await readAll(
        app,
        `/signals/state_change?machine=m-001&machine=m-003&limit=1000`,
      );
      assert.ok(two.every((r) => r.machineId === "m-001" || r.machineId === "m-003"));
      assert.equal(two.length, 250 - 83);
      const running = await readAll(app, `/signals/state_change?state=running&limit=1000`);
      assert.ok(running.length > 0 && running.every((r) => r.to === "running"));
      const errs = await readAll(
        app,
        `/signals/error?severity=critical&severity=info&code=E1&limit=1000`,
      );
      assert.ok(errs.length > 0);
      assert.ok(
        errs.every((r) => ["critical", "info"].includes(r.severity as string) && r.code === "E1"),
      );
    });

    await t.step("power buckets aggregate minutes exactly, in W and Wh", async () => {
      const body = await json(
        await app.request(
          `/signals/power?bucket=1h&machine=m-002&order=asc&from=${T0}&to=${T0 + 3 * 3_600_000}`,
        ),
      );
      assert.equal(body.data.length, 3);
      const first = body.data[0]!;
      // Minutes 0..59 average (i+1) W → 30.5 W; energy (i+1)*60 J each → 1830*60 J = 30.5 Wh.
      assert.equal(first.bucket, new Date(T0).toISOString());
      assert.equal(first.samples, 60 * 6000);
      assert.equal(first.avgW, 30.5);
      assert.equal(first.minW, 0);
      assert.equal(first.maxW, 61);
      assert.equal(first.energyWh, 30.5);
      assert.equal(body.data[2]!.samples, 30 * 6000);
    });

    await t.step(
      "power pagination over 5m buckets visits each bucket and machine once",
      async () => {
        for (const order of ["asc", "desc"]) {
          const rows = await readAll(app, `/signals/power?bucket=5m&order=${order}&limit=4`);
          assert.equal(rows.length, 30 * 3);
          assert.equal(new Set(rows.map((r) => r.id)).size, 90);
          assert.equal(rows.reduce((sum, r) => sum + (r.samples as number), 0), 150 * 3 * 6000);
        }
      },
    );

    await t.step(
      "sensor readings filter by failure; x-ray scans list their summaries",
      async () => {
        for (let i = 0; i < 6; i++) {
          await env.sql`INSERT INTO sensor_readings VALUES (${20_000 + i}, ${idOf(i, 3)}, 'm-001',
          ${new Date(T0 + i * 1000)}, ${env.sql.json({ temp: 20 + i, vib: 0.5 })},
          ${i >= 4 ? "bearing" : null}, ${i >= 4 ? i / 10 : null})`;
          await env.sql`INSERT INTO xray_scans VALUES (${30_000 + i}, ${idOf(i, 4)}, 'm-002',
          ${new Date(T0 + i * 1000)}, 10, 1, 2, 3, 4, 0, 5, 9, 1000)`;
        }
        const failing = await json(await app.request("/signals/sensor?failure=true"));
        assert.deepEqual(failing.data.map((r) => r.seq), [20_005, 20_004]);
        assert.deepEqual(failing.data[0]!.failure, { type: "bearing", progress: 0.5 });
        assert.deepEqual(failing.data[0]!.readings, { temp: 25, vib: 0.5 });
        const healthy = await json(await app.request("/signals/sensor?failure=false&order=asc"));
        assert.deepEqual(healthy.data.map((r) => r.failure), [null, null, null, null]);
        const csv = parse(await (await app.request("/signals/sensor?format=csv")).text(), {
          columns: true,
        }) as Record<string, string>[];
        assert.deepEqual(JSON.parse(csv[0]!.readings!), { temp: 25, vib: 0.5 });
        const scans = await json(await app.request("/signals/xray?machine=m-002&limit=2"));
        assert.equal(scans.data.length, 2);
        assert.deepEqual(scans.data[0]!.speed, { min: 0, avg: 5, max: 9 });
        assert.ok(scans.next);
      },
    );

    await t.step("latest returns the newest 10 by default", async () => {
      const body = await json(await app.request(`/signals/error/latest`));
      assert.equal(body.data.length, 10);
      assert.equal(body.data[0]!.seq, 5039);
      const power = await json(await app.request(`/signals/power/latest?machine=m-001&limit=2`));
      assert.deepEqual(power.data.map((r) => r.bucket), [
        new Date(T0 + 149 * 60_000).toISOString(),
        new Date(T0 + 148 * 60_000).toISOString(),
      ]);
    });

    await t.step("one record by id, and a power minute by machine@minute", async () => {
      const page = await json(await app.request(`/signals/error?limit=1`));
      const id = page.data[0]!.id as string;
      const res = await app.request(`/signals/error/${id}`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), page.data[0]);
      for (const bucket of ["5m", "1h", "1d"]) {
        const listed = await json(await app.request(`/signals/power?bucket=${bucket}&limit=2`));
        const byId = await app.request(`/signals/power/${listed.data[1]!.id}`);
        assert.deepEqual(await byId.json(), listed.data[1], bucket);
      }
      const offGrid = await app.request(
        `/signals/power/m-001@${new Date(T0 + 60_000).toISOString()}~5m`,
      );
      assert.equal(offGrid.status, 404);
      await offGrid.body?.cancel();
      const minute = `m-001@${new Date(T0 + 60_000).toISOString()}`;
      const power = await (await app.request(`/signals/power/${minute}`)).json();
      assert.equal(power.avgW, 2);
      assert.equal((await app.request(`/signals/error/${crypto.randomUUID()}`)).status, 404);
    });

    await t.step("CSV by format=csv and by Accept streams every selected row", async () => {
      const byParam = await app.request(`/signals/state_change?format=csv`);
      assert.equal(byParam.headers.get("content-type"), "text/csv; charset=utf-8");
      const rows = parse(await byParam.text(), { columns: true }) as Record<string, string>[];
      assert.equal(rows.length, 250, "CSV ignores the default page size");
      assert.deepEqual(Object.keys(rows[0]!), ["id", "seq", "machine_id", "at", "from", "to"]);
      const byAccept = await app.request(`/signals/error?machine=m-001`, {
        headers: { accept: "text/csv" },
      });
      const errors = parse(await byAccept.text(), { columns: true }) as Record<string, string>[];
      assert.equal(errors.length, 14);
      assert.ok(errors.every((r) => r.machine_id === "m-001" && r.message!.includes('"quoted"')));
      const limited = await app.request(`/signals/power?format=csv&bucket=1h&limit=2`);
      assert.equal((parse(await limited.text(), { columns: true }) as unknown[]).length, 2);
    });

    await t.step("a window in the past carries an ETag and honours If-None-Match", async () => {
      const path = `/signals/state_change?from=${T0}&to=${T0 + 60_000}`;
      const first = await app.request(path);
      const etag = first.headers.get("etag");
      assert.ok(etag);
      await first.body?.cancel();
      const again = await app.request(path, { headers: { "if-none-match": etag } });
      assert.equal(again.status, 304);
      const future = await app.request(`/signals/state_change?from=${T0}`);
      assert.equal(future.headers.get("etag"), null);
      await future.body?.cancel();
    });
  } finally {
    await env.close();
  }
});
