import { deepEqual, equal, throws } from "node:assert/strict";
import { z } from "zod";
import {
  ConfigError,
  DEFAULT_DATABASE_URL,
  DEFAULT_NATS_URL,
  parseEnv,
  positiveInt,
  SharedEnv,
} from "./config.ts";

const ExampleEnv = SharedEnv.pick({ NATS_URL: true, DATABASE_URL: true, LOG_LEVEL: true }).extend({
  BATCH: positiveInt(5).describe("Batch size."),
});

function rejectsWith(env: Record<string, string>, variable: string, message: string) {
  throws(() => parseEnv(ExampleEnv, env), (error: unknown) => {
    equal(error instanceof ConfigError, true);
    equal((error as ConfigError).variable, variable);
    equal((error as Error).message, message);
    return true;
  });
}

Deno.test("env config", async (t) => {
  await t.step("unset and empty variables take the shared defaults", () => {
    deepEqual(parseEnv(ExampleEnv, { NATS_URL: "", OTHER: "ignored" }), {
      NATS_URL: DEFAULT_NATS_URL,
      DATABASE_URL: DEFAULT_DATABASE_URL,
      LOG_LEVEL: "info",
      BATCH: 5,
    });
  });

  await t.step("a bad value names the variable and the value seen", () => {
    rejectsWith(
      { LOG_LEVEL: "loud" },
      "LOG_LEVEL",
      'Invalid LOG_LEVEL="loud": must be one of debug, info, warn, error',
    );
    rejectsWith({ BATCH: "0" }, "BATCH", 'Invalid BATCH="0": must be greater than 0');
    rejectsWith(
      { NATS_URL: "http://x" },
      "NATS_URL",
      'Invalid NATS_URL="http://x": "http://x" is not a URL starting with nats:// or tls://',
    );
  });

  await t.step("every shared variable has a description for the generated docs", () => {
    for (const [name, schema] of Object.entries(SharedEnv.shape)) {
      equal(typeof (schema as z.ZodType).description, "string", name);
    }
  });
});
