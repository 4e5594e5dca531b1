import assert from "node:assert/strict";
import fc from "fast-check";
import { BUCKETS } from "./power.ts";
import { startTestEnv } from "./_test_stack.ts";

const T0 = Date.UTC(2026, 10, 23);
const BUCKET_NAMES = Object.keys(BUCKETS) as (keyof typeof BUCKETS)[];

const minuteRow = fc.record({
  machine: fc.constantFrom("m-001", "m-002", "m-003"),
  minute: fc.integer({ min: 0, max: 3 * 1440 }),
  samples: fc.integer({ min: 1, max: 6000 }),
  avgMw: fc.integer({ min: 0, max: 5_000_000 }),
  minW: fc.integer({ min: 0, max: 1000 }),
  spreadW: fc.integer({ min: 0, max: 4000 }),
  energyUj: fc.integer({ min: 0, max: 300_000_000 }),
});

Deno.test("power buckets of any size add up to the minutes they cover", async () => {
  const env = await startTestEnv();
  try {
    const app = env.app();
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(minuteRow, {
          minLength: 1,
          maxLength: 60,
          selector: (r) => `${r.machine}/${r.minute}`,
        }),
        fc.constantFrom(...BUCKET_NAMES),
        fc.integer({ min: 1, max: 50 }),
        async (minutes, bucket, limit) => {
          // given these minutes in the read model
          await env.sql`TRUNCATE power_minutes`;
          const rows = minutes.map((m) => ({
            machine_id: m.machine,
            minute: new Date(T0 + m.minute * 60_000),
            samples: m.samples,
            sum_mw: m.samples * m.avgMw,
            min_w: m.minW,
            max_w: m.minW + m.spreadW,
            energy_uj: m.energyUj,
            events: 1,
            last_seq: m.minute + 1,
          }));
          await env.sql`INSERT INTO power_minutes ${env.sql(rows)}`;
          // when every page of buckets is read
          const seen: Record<string, number>[] = [];
          let url = `/signals/power?bucket=${bucket}&limit=${limit}&order=asc`;
          for (let i = 0; i < 1000; i++) {
            const body = await (await app.request(url)).json();
            seen.push(...body.data);
            if (!body.next) break;
            url = `/signals/power?bucket=${bucket}&limit=${limit}&order=asc&cursor=${body.next}`;
          }
          // then each bucket holds exactly its minutes, and the totals match
          const width = BUCKETS[bucket] * 60_000;
          const expected = new Map<string, typeof rows>();
          for (const row of rows) {
            const start = Math.floor(row.minute.getTime() / width) * width;
            const suffix = bucket === "1m" ? "" : `~${bucket}`;
            const key = `${row.machine_id}@${new Date(start).toISOString()}${suffix}`;
            expected.set(key, [...(expected.get(key) ?? []), row]);
          }
          assert.equal(seen.length, expected.size);
          for (const b of seen) {
            const group = expected.get(b.id as unknown as string)!;
            assert.ok(group, `unexpected bucket ${b.id}`);
            const samples = group.reduce((s, r) => s + r.samples, 0);
            assert.equal(b.samples, samples);
            assert.equal(b.events, group.length);
            assert.equal(b.minW, Math.min(...group.map((r) => r.min_w)));
            assert.equal(b.maxW, Math.max(...group.map((r) => r.max_w)));
            const sumMw = group.reduce((s, r) => s + r.sum_mw, 0);
            assert.ok(Math.abs(b.avgW! - sumMw / samples / 1000) < 1e-9);
            const uj = group.reduce((s, r) => s + r.energy_uj, 0);
            assert.ok(Math.abs(b.energyWh! - uj / 3.6e9) < 1e-12);
          }
        },
      ),
      { numRuns: 40 },
    );
  } finally {
    await env.close();
  }
});
