import assert from "node:assert/strict";
import type { SignalEvent } from "../events/mod.ts";
import { idOf, publish, seedMachines, T0 } from "./_seed.ts";
import { startTestEnv } from "./_test_stack.ts";

const at = (ms: number) => new Date(ms).toISOString();

Deno.test("raw endpoints return events exactly as stored in the stream", async (t) => {
  const env = await startTestEnv();
  try {
    await seedMachines(env.sql, ["running"]);
    const stateChange: SignalEvent = {
      id: idOf(1, 9),
      type: "state_change",
      v: 1,
      machineId: "m-001",
      occurredAt: at(T0),
      data: { from: null, to: "running" },
    };
    const points: [number, [number, number, number]][] = [
      [0, [52.5, 13.4, 1.5]],
      [100, [52.6, 13.5, 2.5]],
      [250, [52.4, 13.3, 0.5]],
    ];
    const xray: SignalEvent = {
      id: idOf(2, 9),
      type: "xray",
      v: 1,
      machineId: "m-001",
      occurredAt: at(T0 + 1000),
      data: { dataPoints: points },
    };
    const power: SignalEvent = {
      id: idOf(3, 9),
      type: "power",
      v: 1,
      machineId: "m-001",
      occurredAt: at(T0 + 2000),
      data: { sampleRateHz: 100, watts: [1, 2, 3] },
    };
    const [scSeq, xraySeq, powerSeq] = await publish(env.nats, [stateChange, xray, power]);
    // What the projector would have written for these events.
    await env.sql`INSERT INTO state_changes VALUES
      (${scSeq!}, ${stateChange.id}, 'm-001', NULL, 'running', ${new Date(T0)})`;
    await env.sql`INSERT INTO xray_scans VALUES (${xraySeq!}, ${xray.id}, 'm-001',
      ${new Date(T0 + 1000)}, 3, 52.4, 52.6, 13.3, 13.5, 0.5, 1.5, 2.5, 250)`;
    await env.sql`INSERT INTO power_minutes VALUES
      ('m-001', ${new Date(T0)}, 3, 6000, 1, 3, 60000, 1, ${powerSeq!})`;
    const app = env.app();

    await t.step("by event id: payload bytes, headers, sequence and time", async () => {
      const res = await app.request(`/signals/state_change/${stateChange.id}/raw`);
      assert.equal(res.status, 200);
      const raw = await res.json();
      assert.equal(raw.seq, scSeq);
      assert.equal(raw.subject, "signals.state_change.m-001");
      assert.deepEqual(raw.headers["Nats-Msg-Id"], [stateChange.id]);
      assert.equal(raw.headers["Nats-Sequence"], undefined);
      assert.deepEqual(raw.event, stateChange);
      const bytes = Uint8Array.from(atob(raw.payload), (c) => c.charCodeAt(0));
      assert.equal(new TextDecoder().decode(bytes), JSON.stringify(stateChange));
      assert.ok(Math.abs(Date.parse(raw.storedAt) - Date.now()) < 60_000);
    });

    await t.step(
      "Accept: application/octet-stream answers the stored bytes themselves",
      async () => {
        const res = await app.request(`/signals/state_change/${scSeq}/raw`, {
          headers: { accept: "application/octet-stream" },
        });
        assert.equal(res.headers.get("content-type"), "application/octet-stream");
        assert.equal(res.headers.get("x-stream-sequence"), String(scSeq));
        assert.equal(res.headers.get("x-nats-header-nats-msg-id"), stateChange.id);
        assert.equal(await res.text(), JSON.stringify(stateChange));
      },
    );

    await t.step("metadata leaves the payload out", async () => {
      const res = await app.request(`/signals/state_change/${scSeq}/raw/metadata`);
      const meta = await res.json();
      assert.equal(meta.seq, scSeq);
      assert.equal(meta.payload, undefined);
      assert.equal(meta.size, JSON.stringify(stateChange).length);
    });

    await t.step("power raw by stream sequence and by minute id", async () => {
      const bySeq = await (await app.request(`/signals/power/${powerSeq}/raw`)).json();
      assert.deepEqual(bySeq.event, power);
      const byMinute = await app.request(`/signals/power/m-001@${at(T0)}/raw`);
      assert.equal((await byMinute.json()).seq, powerSeq);
    });

    await t.step("an x-ray scan by id includes its data points from the raw event", async () => {
      const scan = await (await app.request(`/signals/xray/${xray.id}`)).json();
      assert.equal(scan.pointCount, 3);
      assert.deepEqual(scan.bbox, { minLat: 52.4, maxLat: 52.6, minLon: 13.3, maxLon: 13.5 });
      assert.deepEqual(scan.dataPoints, points);
    });

    await t.step("a scan whose raw event is gone still answers its summary", async () => {
      const orphan = crypto.randomUUID();
      await env.sql`INSERT INTO xray_scans VALUES (999999, ${orphan}, 'm-001',
        ${new Date(T0)}, 1, 0, 0, 0, 0, 0, 0, 0, 0)`;
      const scan = await (await app.request(`/signals/xray/${orphan}`)).json();
      assert.equal(scan.pointCount, 1);
      assert.equal(scan.dataPoints, null);
    });

    await t.step("a sequence of another type, or past the end, is a 404", async () => {
      const wrongType = await app.request(`/signals/error/${scSeq}/raw`);
      assert.equal(wrongType.status, 404);
      assert.match((await wrongType.json()).detail, /state_change/);
      const missing = await app.request(`/signals/power/999999/raw`);
      assert.equal(missing.status, 404);
      await missing.body?.cancel();
      const unknownId = await app.request(`/signals/xray/${crypto.randomUUID()}/raw`);
      assert.equal(unknownId.status, 404);
      await unknownId.body?.cancel();
    });
  } finally {
    await env.close();
  }
});
