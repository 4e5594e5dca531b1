import { deepEqual, equal, match } from "node:assert/strict";
import { createLogger, serializeError } from "./log.ts";

/** Runs `body` with console.error captured, returning the parsed records. */
function capture(body: () => void): Record<string, unknown>[] {
  const lines: string[] = [];
  const original = console.error;
  console.error = (line: string) => lines.push(line);
  try {
    body();
  } finally {
    console.error = original;
  }
  return lines.map((line) => JSON.parse(line));
}

Deno.test("logs", async (t) => {
  await t.step("an error keeps its name, message, stack, code and cause chain", () => {
    const root = Object.assign(new Error("connection refused"), { code: "ECONNREFUSED" });
    const error = new TypeError("cannot load batch", { cause: root });
    const [record] = capture(() => createLogger("test").error("failed", { error }));
    const logged = record!.error as Record<string, unknown>;
    equal(logged.name, "TypeError");
    equal(logged.message, "cannot load batch");
    match(String(logged.stack), /log_test\.ts/);
    const cause = logged.cause as Record<string, unknown>;
    deepEqual([cause.name, cause.message, cause.code], [
      "Error",
      "connection refused",
      "ECONNREFUSED",
    ]);
    match(String(cause.stack), /log_test\.ts/);
  });

  await t.step("a cause cycle ends instead of recursing forever", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    const serialized = serializeError(a);
    equal((serialized.cause as { message: string }).message, "b");
    equal((serialized.cause as { cause: unknown }).cause, "Error: a");
  });

  await t.step("an AggregateError lists its inner errors", () => {
    const serialized = serializeError(new AggregateError([new Error("x"), "y"], "both failed"));
    deepEqual(serialized.errors?.map((e) => (e as { message?: string }).message ?? e), ["x", "y"]);
  });

  await t.step("records below the level are dropped", () => {
    const records = capture(() => {
      const logger = createLogger("test", "warn");
      logger.info("hidden");
      logger.warn("shown", { n: 1 });
    });
    deepEqual(records.map((r) => [r.level, r.service, r.msg, r.n]), [["warn", "test", "shown", 1]]);
  });
});
