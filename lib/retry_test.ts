import { deepEqual, equal, rejects } from "node:assert/strict";
import { isAbortError, retry, type RetryEvent } from "./retry.ts";

/** An operation that fails `times` times, then answers "ok". */
function flaky(times: number) {
  const seen: number[] = [];
  const run = (failures: number) => {
    seen.push(failures);
    return seen.length <= times
      ? Promise.reject(new Error(`failure ${seen.length}`))
      : Promise.resolve("ok");
  };
  return { run, seen };
}

Deno.test("retry", async (t) => {
  await t.step("retries a transient failure until it succeeds, telling each pause", async () => {
    const op = flaky(3);
    const events: RetryEvent[] = [];
    const result = await retry(op.run, {
      baseMs: 1,
      maxMs: 4,
      random: () => 0.999,
      onRetry: (e) => events.push(e),
    });
    equal(result, "ok");
    deepEqual(op.seen, [0, 1, 2, 3]);
    deepEqual(events.map((e) => e.failures), [1, 2, 3]);
    deepEqual(events.map((e) => e.delayMs), [1, 2, 4]);
    deepEqual(events.map((e) => (e.error as Error).message), [
      "failure 1",
      "failure 2",
      "failure 3",
    ]);
  });

  await t.step("gives up after `attempts` and throws the last error", async () => {
    const op = flaky(10);
    await rejects(retry(op.run, { attempts: 3, baseMs: 1 }), /failure 3/);
    equal(op.seen.length, 3);
  });

  await t.step("throws an error that is not retryable at once", async () => {
    const op = flaky(10);
    await rejects(
      retry(op.run, { baseMs: 1, retryable: (e) => !String(e).includes("failure 1") }),
      /failure 1/,
    );
    equal(op.seen.length, 1);
  });

  await t.step("an abort ends a pending pause and throws the signal's reason", async () => {
    const controller = new AbortController();
    const op = flaky(Infinity);
    const running = retry(op.run, {
      baseMs: 60_000,
      maxMs: 60_000,
      signal: controller.signal,
      onRetry: () => queueMicrotask(() => controller.abort()),
    });
    await rejects(running, (error) => isAbortError(error));
    equal(op.seen.length, 1);
  });

  await t.step("an already aborted signal runs nothing", async () => {
    const op = flaky(0);
    await rejects(retry(op.run, { signal: AbortSignal.abort(new Error("stop")) }), /stop/);
    equal(op.seen.length, 0);
  });
});
