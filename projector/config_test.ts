import { deepEqual, equal, throws } from "node:assert/strict";
import { ConfigError } from "../lib/mod.ts";
import { loadProjectorConfig } from "./config.ts";

Deno.test("projector config has defaults and names a bad variable", async (t) => {
  await t.step("defaults", () => {
    const config = loadProjectorConfig({});
    deepEqual(
      [
        config.natsUrl,
        config.databaseUrl,
        config.batchSize,
        config.consumerName,
        config.signingKey,
      ],
      [
        "nats://127.0.0.1:4222",
        "postgres://postgres@127.0.0.1:5432/signals",
        2000,
        "projector",
        undefined,
      ],
    );
  });
  await t.step("values from the environment", () => {
    const config = loadProjectorConfig({ PROJECTOR_BATCH_SIZE: "500", SIGNING_KEY: "k" });
    equal(config.batchSize, 500);
    equal(config.signingKey, "k");
    equal(loadProjectorConfig({}).partitions, 4);
    equal(loadProjectorConfig({ PROJECTOR_PARTITIONS: "8" }).partitions, 8);
  });
  for (
    const [variable, value] of [
      ["PROJECTOR_BATCH_SIZE", "abc"],
      ["PROJECTOR_BATCH_SIZE", "0"],
      ["DATABASE_URL", "mysql://x"],
      ["NATS_URL", "not a url"],
      ["PROJECTOR_CONSUMER", "a.b"],
      ["PROJECTOR_PARTITIONS", "0"],
      ["PROJECTOR_PARTITIONS", "2000"],
      ["PROJECTOR_PARTITIONS", "two"],
    ]
  ) {
    await t.step(`${variable}=${value} is refused with the variable's name`, () => {
      throws(() => loadProjectorConfig({ [variable!]: value }), (error: unknown) => {
        equal(error instanceof ConfigError, true);
        equal((error as ConfigError).variable, variable);
        equal((error as Error).message.includes(variable!), true);
        return true;
      });
    });
  }
});
