import assert from "node:assert/strict";
import { jetstream } from "@nats-io/jetstream";
import { encodeEvent, type SignalEvent, toNatsHeaders } from "../events/mod.ts";
import { idOf, seedMachines } from "./_seed.ts";
import { startTestEnv } from "./_test_stack.ts";
import { freePort } from "../dev/ports.ts";
import { spawnService, waitUntil } from "../testing/mod.ts";

function power(i: number): SignalEvent {
  return {
    id: idOf(i, 91),
    v: 1,
    type: "power",
    machineId: "m-001",
    occurredAt: new Date(Date.UTC(2026, 0, 1) + i * 100).toISOString(),
    data: { sampleRateHz: 100, watts: Array.from({ length: 100 }, (_, k) => 1000 + k) },
  };
}

async function publishPower(nats: Parameters<typeof jetstream>[0], from: number, count: number) {
  const js = jetstream(nats);
  for (let i = from; i < from + count; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, from + count - i) }, (_, k) => {
      const encoded = encodeEvent(power(i + k));
      return js.publish(encoded.subject, encoded.bytes, {
        headers: toNatsHeaders(encoded.headers),
      });
    }));
  }
}

/** Opens `/stream` on a raw socket and never reads the answer. */
async function silentClient(port: number): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const request = `GET /stream?type=power HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
  await conn.write(new TextEncoder().encode(request));
  return conn;
}

async function metric(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1]);
}

/** Peak resident memory of a process, from /proc (read by `cat`: Deno guards /proc itself). */
async function peakRssBytes(pid: number): Promise<number> {
  const out = await new Deno.Command("cat", { args: [`/proc/${pid}/status`] }).output();
  const status = new TextDecoder().decode(out.stdout);
  return Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)![1]) * 1024;
}

Deno.test("fifty clients that never read are cut off; the API stays small and serves others", async () => {
  const env = await startTestEnv();
  await seedMachines(env.sql, ["running"]);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // The API as deno task api runs it: its own process, with its heap limits.
  const api = spawnService("api/main.ts", {
    permissions: "api",
    env: {
      DENO_V8_FLAGS: "--max-old-space-size=64,--max-semi-space-size=8",
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      NATS_URL: env.stack.natsUrl,
      DATABASE_URL: env.stack.databaseUrl,
      SSE_MAX_STREAMS: "60",
      SSE_MAX_STREAMS_PER_CLIENT: "60",
      LOG_LEVEL: "warn",
    },
  });
  const silent: Deno.TcpConn[] = [];
  try {
    await waitUntil("the API answers", async () => {
      const res = await fetch(`${base}/metrics`).catch(() => undefined);
      await res?.body?.cancel();
      return res?.ok ?? false;
    });
    for (let i = 0; i < 50; i++) silent.push(await silentClient(port));
    await waitUntil("all fifty streams are open", async () => {
      return (await metric(base, "api_sse_clients")) >= 50;
    });
    // A reading client alongside them.
    const reader = await fetch(`${base}/stream?type=power`);
    const body = reader.body!.getReader();
    let received = 0;
    // It may fall behind too while this process publishes; what matters is that it was served.
    const reading = (async () => {
      for (;;) {
        const { value, done } = await body.read();
        if (done) return;
        received += value.length;
      }
    })().catch(() => {});
    // Live load, far more than the silent clients' sockets and buffers hold.
    let published = 0;
    while (published < 60_000 && (await metric(base, "api_sse_clients")) > 1) {
      await publishPower(env.nats, published, 2000);
      published += 2000;
      const health = await fetch(`${base}/health`);
      await health.body?.cancel();
      assert.ok([200, 503].includes(health.status), "the API answers others meanwhile");
    }
    // On a busy machine the API may still be handing out what was published: give it time.
    await waitUntil("the silent clients to be cut off", async () => {
      return (await metric(base, "api_sse_clients")) <= 1;
    }, 60_000).catch(() => {});
    assert.ok((await metric(base, "api_sse_clients")) <= 1, "the silent clients were cut off");
    assert.ok(received > 0, "the reading client was served");
    assert.equal(api.exitCode(), undefined, "the API is still running");
    const peak = await peakRssBytes(api.child.pid);
    assert.ok(peak < 200 * 1024 * 1024, `the API peaked at ${Math.round(peak / 2 ** 20)} MB`);
    await body.cancel().catch(() => {});
    await reading;
  } finally {
    for (const conn of silent) conn.close();
    await api.stop();
    await env.close();
  }
});

Deno.test("a client past its stream cap gets 429, past the total 503, both with Retry-After", async () => {
  const env = await startTestEnv();
  const shutdown = new AbortController();
  const app = env.app({
    signal: shutdown.signal,
    settings: { apiKeys: [], sseMaxStreams: 3, sseMaxStreamsPerClient: 2 },
  });
  try {
    const open = [await app.request("/stream"), await app.request("/stream")];
    assert.deepEqual(open.map((r) => r.status), [200, 200]);
    const refused = await app.request("/stream");
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get("retry-after"), "5");
    await refused.body?.cancel();
    await open[0]!.body!.cancel();
    const reopened = await app.request("/stream");
    assert.equal(reopened.status, 200, "a closed stream frees its slot");
    for (const res of [open[1]!, reopened]) await res.body!.cancel();
  } finally {
    shutdown.abort();
    await env.close();
  }
});
