import { deepEqual, equal } from "node:assert/strict";
import type { JsMsg } from "@nats-io/jetstream";
import { MessageBuffer } from "./consumer.ts";

const msg = (seq: number) => ({ seq }) as unknown as JsMsg;

Deno.test("message buffer hands out batches", async (t) => {
  await t.step("a full batch is taken at once, the rest stays", async () => {
    const buffer = new MessageBuffer();
    for (let i = 1; i <= 5; i++) buffer.push(msg(i));
    const batch = await buffer.take(3, { lingerMs: 1000, idleMs: 1000 });
    deepEqual(batch.map((m) => m.seq), [1, 2, 3]);
    equal(buffer.size, 2);
  });
  await t.step("a partial batch waits for the linger time, then goes", async () => {
    const buffer = new MessageBuffer();
    buffer.push(msg(1));
    setTimeout(() => buffer.push(msg(2)), 5);
    const batch = await buffer.take(10, { lingerMs: 40, idleMs: 1000 });
    deepEqual(batch.map((m) => m.seq), [1, 2]);
  });
  await t.step("an empty buffer returns nothing after the idle time or on abort", async () => {
    const buffer = new MessageBuffer();
    deepEqual(await buffer.take(10, { lingerMs: 5, idleMs: 10 }), []);
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 5);
    deepEqual(await buffer.take(10, { lingerMs: 5, idleMs: 60_000, signal: stop.signal }), []);
  });
  await t.step("the first message wakes a waiting take", async () => {
    const buffer = new MessageBuffer();
    setTimeout(() => {
      for (let i = 1; i <= 4; i++) buffer.push(msg(i));
    }, 5);
    const batch = await buffer.take(4, { lingerMs: 60_000, idleMs: 60_000 });
    equal(batch.length, 4);
  });
});
