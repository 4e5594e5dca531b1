import { deepEqual, rejects } from "node:assert/strict";
import { memoryLogger } from "../testing/mod.ts";
import { retrying } from "./_retry.ts";

class Gap extends Error {}

/** An attempt that fails `outages` times with a transient error, then does `then`. */
function failingThen<T>(outages: number, then: () => T): () => Promise<T> {
  let calls = 0;
  return () =>
    Promise.resolve().then(() => (++calls <= outages ? Promise.reject(new Error("down")) : then()));
}

Deno.test("an outage is logged once when it begins and once when it ends", async () => {
  const logger = memoryLogger("info");
  const result = await retrying(failingThen(3, () => 42), { what: "postgres", logger, maxMs: 1 });
  deepEqual(result, 42);
  deepEqual(logger.lines.map((line) => line.msg), [
    "postgres unavailable; retrying with backoff",
    "postgres is back",
  ]);
});

Deno.test("a fatal answer after an outage still ends the outage in the log", async () => {
  const logger = memoryLogger("info");
  const attempt = failingThen(2, () => {
    throw new Gap("checkpoint gap");
  });
  await rejects(
    retrying(attempt, { what: "postgres", logger, maxMs: 1, fatal: (e) => e instanceof Gap }),
    Gap,
  );
  deepEqual(logger.lines.map((line) => line.msg), [
    "postgres unavailable; retrying with backoff",
    "postgres is back",
  ]);
});

Deno.test("a stop during an outage ends the wait with undefined", async () => {
  const stop = new AbortController();
  const logger = memoryLogger("info");
  const waiting = retrying(failingThen(Infinity, () => 1), {
    what: "nats",
    logger,
    signal: stop.signal,
  });
  setTimeout(() => stop.abort(), 50);
  deepEqual(await waiting, undefined);
  deepEqual(logger.lines.map((line) => line.msg), ["nats unavailable; retrying with backoff"]);
});
