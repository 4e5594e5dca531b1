import assert from "node:assert/strict";
import { jetstream } from "@nats-io/jetstream";
import { encodeEvent, type SignalEvent, toNatsHeaders } from "../events/mod.ts";
import { idOf, publish, seedMachines } from "./_seed.ts";
import { startTestEnv } from "./_test_stack.ts";
import { selection } from "./routes/stream.ts";

interface Frame {
  event?: string;
  data?: string;
  id?: string;
}

/** Reads SSE frames from a response body. */
async function* frames(body: ReadableStream<Uint8Array>): AsyncGenerator<Frame> {
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
        yield Object.fromEntries(
          frame.split("\n").map((line) => [
            line.slice(0, line.indexOf(":")),
            line.slice(line.indexOf(":") + 1).trim(),
          ]),
        ) as Frame;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/** The next frame that is not a heartbeat. */
async function nextSignal(it: AsyncGenerator<Frame>): Promise<Frame | undefined> {
  for (;;) {
    const { value, done } = await it.next();
    if (done) return undefined;
    if (value.event !== "heartbeat") return value;
  }
}

function event(i: number, type: "state_change" | "error", machineId: string): SignalEvent {
  const base = { id: idOf(i, 77), v: 1 as const, machineId, occurredAt: new Date().toISOString() };
  return type === "state_change"
    ? { ...base, type, data: { from: "idle", to: "running" } }
    : { ...base, type, data: { code: "E1", severity: "warning", message: "hot" } };
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test("a client's selection matches on type and machine", () => {
  const frame = { seq: 1, type: "power", machineId: "a", bytes: new Uint8Array() };
  assert.ok(selection()(frame));
  assert.ok(selection(["power"], ["a", "b"])(frame));
  assert.ok(!selection(["error"])(frame));
  assert.ok(!selection(undefined, ["b"])(frame));
});

Deno.test("/stream serves the log: stored, verified events, resumable without gap or repeat", async (t) => {
  const env = await startTestEnv();
  await seedMachines(env.sql, ["idle", "running"]);
  const shutdown = new AbortController();
  const app = env.app({ signal: shutdown.signal, settings: { apiKeys: [], sseHeartbeatMs: 200 } });
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.fetch);
  const base = `http://127.0.0.1:${server.addr.port}`;
  const gauge = async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    return Number(/^api_sse_clients (\d+)$/m.exec(text)![1]);
  };
  try {
    await t.step("matching stored events arrive with their sequence as id", async () => {
      const client = new AbortController();
      const res = await fetch(`${base}/stream?type=state_change&type=error&machine=m-001`, {
        signal: client.signal,
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type")!, /text\/event-stream/);
      const it = frames(res.body!);
      assert.equal((await it.next()).value?.event, "ready");
      const wanted = event(1, "error", "m-001");
      const [, seq] = await publish(env.nats, [event(2, "state_change", "m-002"), wanted]);
      const frame = await nextSignal(it);
      assert.equal(frame?.event, "error");
      assert.equal(frame?.id, String(seq));
      assert.deepEqual(JSON.parse(frame!.data!), wanted);
      client.abort();
      await it.return(undefined).catch(() => {});
      await until(async () => (await gauge()) === 0, "the client is released");
    });

    await t.step(
      "resuming with Last-Event-ID sends exactly what was missed, then live",
      async () => {
        const burst = Array.from({ length: 40 }, (_, i) => event(100 + i, "error", "m-001"));
        const first = new AbortController();
        const res = await fetch(`${base}/stream?type=error`, { signal: first.signal });
        const it = frames(res.body!);
        await it.next(); // ready
        const seqs = await publish(env.nats, burst);
        const seen: string[] = [];
        while (seen.length < 15) seen.push((await nextSignal(it))!.id!);
        first.abort(); // dropped in the middle of the burst
        await it.return(undefined).catch(() => {});
        const again = await fetch(`${base}/stream?type=error`, {
          headers: { "last-event-id": seen.at(-1)! },
        });
        const rest = frames(again.body!);
        assert.equal((await rest.next()).value?.event, "ready");
        const later = event(200, "error", "m-001");
        const [laterSeq] = await publish(env.nats, [later]);
        const resumed: string[] = [];
        while (resumed.length < seqs.length - 15 + 1) resumed.push((await nextSignal(rest))!.id!);
        assert.deepEqual([...seen, ...resumed], [...seqs, laterSeq!].map(String));
        await rest.return(undefined).catch(() => {});
        await again.body?.cancel().catch(() => {});
      },
    );

    await t.step("a resume point beyond the log is a 400 naming it", async () => {
      const res = await fetch(`${base}/stream?fromSeq=999999`);
      assert.equal(res.status, 400);
      const problem = await res.json();
      assert.equal(problem.fields[0].field, "fromSeq");
      const bad = await fetch(`${base}/stream`, { headers: { "last-event-id": "x" } });
      assert.equal(bad.status, 400);
      await bad.body?.cancel();
    });

    await t.step("bad stream filters are 400s, unknown machines 404s", async () => {
      const res = await fetch(`${base}/stream?type=nope`);
      assert.equal(res.status, 400);
      assert.match((await res.json()).detail, /type/);
      const unknown = await fetch(`${base}/stream?machine=zz`);
      assert.equal(unknown.status, 404);
      await unknown.body?.cancel();
    });

    await t.step("shutting the app down ends open streams so the server can stop", async () => {
      const res = await fetch(`${base}/stream`);
      const it = frames(res.body!);
      assert.equal((await it.next()).value?.event, "ready");
      shutdown.abort();
      const rest: string[] = [];
      for await (const frame of it) rest.push(frame.event ?? "");
      assert.ok(rest.every((e) => e === "heartbeat"), rest.join());
      await until(async () => (await gauge()) === 0, "every client is released");
    });
  } finally {
    shutdown.abort();
    await server.shutdown();
    await env.close();
  }
});

Deno.test("/stream never sends an unsigned event or a duplicate the log dropped", async () => {
  const env = await startTestEnv();
  await seedMachines(env.sql, ["idle"]);
  const key = "stream-test-signing-key";
  const shutdown = new AbortController();
  const app = env.app({ signal: shutdown.signal, settings: { apiKeys: [], signingKey: key } });
  try {
    const res = await app.request("/stream?type=state_change");
    const it = frames(res.body!);
    assert.equal((await it.next()).value?.event, "ready");
    const js = jetstream(env.nats);
    const send = async (e: SignalEvent, signingKey?: string, msgID?: string) => {
      const encoded = encodeEvent(e, { signingKey });
      const headers = { ...encoded.headers, ...(msgID ? { "Nats-Msg-Id": msgID } : {}) };
      return await js.publish(encoded.subject, encoded.bytes, {
        headers: toNatsHeaders(headers),
      });
    };
    const signed = event(1, "state_change", "m-001");
    await send(event(2, "state_change", "m-001")); // unsigned: the projector dead-letters it
    const stored = await send(signed, key);
    // The same message id with another body is dropped by the stream's duplicate window.
    const twin: SignalEvent = {
      ...signed,
      type: "state_change",
      data: { from: "running", to: "fault" },
    };
    const dropped = await send(twin, key, signed.id);
    assert.ok(dropped.duplicate);
    const marker = event(3, "state_change", "m-001");
    const markerAck = await send(marker, key);
    const got = [await nextSignal(it), await nextSignal(it)];
    assert.deepEqual(got.map((f) => f?.id), [String(stored.seq), String(markerAck.seq)]);
    assert.deepEqual(JSON.parse(got[0]!.data!), signed);
    await it.return(undefined).catch(() => {});
  } finally {
    shutdown.abort();
    await env.close();
  }
});
