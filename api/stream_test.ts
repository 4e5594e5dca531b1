import assert from "node:assert/strict";
import type { SignalEvent } from "../events/mod.ts";
import { idOf, publish, seedMachines } from "./_seed.ts";
import { startTestEnv } from "./_test_stack.ts";
import { streamSubjects } from "./routes/stream.ts";

/** Reads SSE frames from a response body. */
async function* frames(body: ReadableStream<Uint8Array>) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(
          frame.split("\n").map((
            line,
          ) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1).trim()]),
        );
        yield fields as { event?: string; data?: string; id?: string };
      }
    }
  } finally {
    reader.releaseLock();
  }
}

function event(i: number, type: "state_change" | "error", machineId: string): SignalEvent {
  const base = { id: idOf(i, 77), v: 1 as const, machineId, occurredAt: new Date().toISOString() };
  return type === "state_change"
    ? { ...base, type, data: { from: "idle", to: "running" } }
    : { ...base, type, data: { code: "E1", severity: "warning", message: "hot" } };
}

Deno.test("stream subjects cover each type and machine asked for", () => {
  assert.deepEqual(streamSubjects(), ["signals.*.*"]);
  assert.deepEqual(streamSubjects(["power"], ["a", "b"]), ["signals.power.a", "signals.power.b"]);
});

Deno.test("SSE delivers freshly published events and cleans up", async (t) => {
  const env = await startTestEnv();
  await seedMachines(env.sql, ["idle", "running"]);
  const shutdown = new AbortController();
  const app = env.app({ signal: shutdown.signal, settings: { apiKeys: [], sseHeartbeatMs: 200 } });
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.fetch);
  const base = `http://127.0.0.1:${server.addr.port}`;
  const gauge = async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    return Number(/^api_sse_subscriptions (\d+)$/m.exec(text)![1]);
  };
  try {
    await t.step("ready comes first, then matching events; others are filtered", async () => {
      const client = new AbortController();
      const res = await fetch(`${base}/stream?type=state_change&type=error&machine=m-001`, {
        signal: client.signal,
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type")!, /text\/event-stream/);
      const it = frames(res.body!);
      assert.equal((await it.next()).value?.event, "ready");
      assert.equal(await gauge(), 2);
      const wanted = event(1, "error", "m-001");
      await publish(env.nats, [event(2, "state_change", "m-002"), wanted]);
      // The filtered state change must not show up; the error must, before a generous deadline
      // (how fast is the benchmark's business, not a test's).
      const deadline = Date.now() + 10_000;
      let frame = (await it.next()).value;
      while (frame?.event === "heartbeat" && Date.now() < deadline) frame = (await it.next()).value;
      assert.equal(frame?.event, "error");
      assert.equal(frame?.id, wanted.id);
      assert.deepEqual(JSON.parse(frame!.data!), wanted);
      // Heartbeats keep coming while nothing is published.
      const next = (await it.next()).value;
      assert.equal(next?.event, "heartbeat");
      client.abort();
      await it.return(undefined).catch(() => {});
      for (let i = 0; i < 50 && (await gauge()) !== 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(await gauge(), 0, "subscriptions are released when the client leaves");
    });

    await t.step("a client that stops reading is dropped, not buffered without bound", async () => {
      const slow = env.app({ settings: { apiKeys: [], sseMaxPending: 20 } });
      const res = await slow.request("/stream?type=error");
      const reader = res.body!.getReader();
      await reader.read(); // the ready event; then the client stops reading
      const metricsOf = async () => await (await slow.request("/metrics")).text();
      assert.match(await metricsOf(), /^api_sse_subscriptions 1$/m);
      const bytes = new TextEncoder().encode(JSON.stringify(event(3, "error", "m-001")));
      for (let i = 0; i < 500; i++) env.nats.publish("signals.error.m-001", bytes);
      await env.nats.flush();
      let text = "";
      for (let i = 0; i < 50; i++) {
        text = await metricsOf();
        if (/^api_sse_subscriptions 0$/m.test(text)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.match(text, /^api_sse_subscriptions 0$/m);
      assert.match(text, /^api_sse_clients 0$/m);
      await reader.cancel();
    });

    await t.step("bad stream filters are 400s", async () => {
      const res = await fetch(`${base}/stream?type=nope`);
      assert.equal(res.status, 400);
      assert.match((await res.json()).detail, /type/);
    });

    await t.step("shutting the app down ends open streams so the server can stop", async () => {
      const res = await fetch(`${base}/stream`);
      const it = frames(res.body!);
      assert.equal((await it.next()).value?.event, "ready");
      shutdown.abort();
      const rest: string[] = [];
      for await (const frame of it) rest.push(frame.event ?? "");
      assert.ok(rest.every((e) => e === "heartbeat"));
      assert.equal(await gauge(), 0);
    });
  } finally {
    shutdown.abort();
    await server.shutdown();
    await env.close();
  }
});
