import { deepEqual } from "node:assert/strict";
import { memoryLogger, silentLogger } from "./logger.ts";

Deno.test("test loggers", async (t) => {
  await t.step("a memory logger keeps level, message and fields in order", () => {
    const logger = memoryLogger();
    logger.info("started", { n: 1 });
    logger.warn("slow");
    deepEqual(logger.lines, [
      { level: "info", msg: "started", fields: { n: 1 } },
      { level: "warn", msg: "slow", fields: undefined },
    ]);
  });
  await t.step("a memory logger drops records below its level", () => {
    const logger = memoryLogger("info");
    logger.debug("noise");
    logger.error("broken");
    deepEqual(logger.lines.map((r) => r.msg), ["broken"]);
  });
  await t.step("the silent logger accepts every level", () => {
    for (const level of ["debug", "info", "warn", "error"] as const) silentLogger[level]("x");
  });
});
