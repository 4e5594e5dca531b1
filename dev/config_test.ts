import { deepEqual, equal, throws } from "node:assert/strict";
import { ConfigError } from "../lib/config.ts";
import { loadDevConfig } from "./config.ts";

Deno.test("dev config", async (t) => {
  await t.step("with nothing set dev starts its own servers in .data on the usual ports", () => {
    deepEqual(loadDevConfig({}), {
      dataDir: ".data",
      port: 8080,
      natsUrl: undefined,
      databaseUrl: undefined,
      apiKeys: undefined,
      publicReads: undefined,
      natsPort: 4222,
      postgresPort: 5432,
      natsClusterPort: 6222,
    });
  });

  await t.step("given URLs and ports are taken as they are", () => {
    const config = loadDevConfig({
      NATS_URL: "nats://10.0.0.1:4222",
      POSTGRES_PORT: "15432",
      DATA_DIR: "/tmp/x",
    });
    equal(config.natsUrl, "nats://10.0.0.1:4222");
    equal(config.postgresPort, 15432);
    equal(config.dataDir, "/tmp/x");
  });

  await t.step("a bad port stops start-up naming the variable", () => {
    throws(() => loadDevConfig({ NATS_PORT: "70000" }), (error: unknown) => {
      equal((error as ConfigError).variable, "NATS_PORT");
      return error instanceof ConfigError;
    });
  });
});
