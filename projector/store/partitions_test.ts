import { deepEqual, equal, rejects } from "node:assert/strict";
import postgres from "postgres";
import { startTestStack } from "../../dev/stack.ts";
import { ConfigError } from "../../lib/mod.ts";
import { migrate } from "../migrate.ts";
import { REGISTRY } from "../registry.ts";
import { lowestCheckpoint } from "./checkpoints.ts";
import { readViews } from "./read_views.ts";
import { liveUnitNames, readPartitions, recordPartitions } from "./partitions.ts";

Deno.test("the partition count is recorded per database, and checkpoints are read through it", async (t) => {
  const stack = await startTestStack();
  const sql = postgres(stack.databaseUrl, { max: 2, onnotice: () => {} });
  try {
    await migrate(sql);
    // given a database the projector wrote whole until now
    await sql`INSERT INTO projection_checkpoints (projection, last_seq, last_event_at) VALUES
      ('power_minutes', 40, '2026-11-23T10:00:00Z'), ('sensor_readings', 40, NULL),
      ('machines', 40, '2026-11-23T10:00:00Z')`;
    await sql`INSERT INTO projector_leases (unit) VALUES ('power_minutes'), ('machines')`;

    await t.step("the first start records the count and splits the checkpoints", async () => {
      await recordPartitions(sql, REGISTRY, 3);
      deepEqual(
        await readPartitions(sql, ["power_minutes", "sensor_readings", "machines"]),
        new Map([["power_minutes", 3], ["sensor_readings", 3]]),
      );
      const rows = await sql<{ projection: string; last_seq: string }[]>`
        SELECT projection, last_seq FROM projection_checkpoints ORDER BY projection`;
      deepEqual(rows.map((r) => `${r.projection}@${r.last_seq}`), [
        "machines@40",
        "power_minutes#0@40",
        "power_minutes#1@40",
        "power_minutes#2@40",
        "sensor_readings#0@40",
        "sensor_readings#1@40",
        "sensor_readings#2@40",
      ]);
      const leases = await sql<{ unit: string }[]>`SELECT unit FROM projector_leases ORDER BY unit`;
      deepEqual(leases.map((l) => l.unit), ["machines"], "the whole read model's lease went");
    });

    await t.step("a start with the same count changes nothing", async () => {
      await recordPartitions(sql, REGISTRY, 3);
      equal((await sql`SELECT 1 FROM projection_checkpoints`).length, 7);
    });

    await t.step("a start with another count stops, naming PROJECTOR_PARTITIONS", async () => {
      await rejects(recordPartitions(sql, REGISTRY, 4), (error: unknown) => {
        equal(error instanceof ConfigError, true);
        equal((error as ConfigError).variable, "PROJECTOR_PARTITIONS");
        equal(
          (error as Error).message.startsWith(
            "Invalid PROJECTOR_PARTITIONS=4: this database's power_minutes is split into 3",
          ),
          true,
          (error as Error).message,
        );
        return true;
      });
      deepEqual(await readPartitions(sql, ["power_minutes"]), new Map([["power_minutes", 3]]));
    });

    await t.step("a read model named whole is read through all its partitions", async () => {
      deepEqual(await liveUnitNames(sql, ["machines", "power_minutes"]), [
        "machines",
        "power_minutes#0",
        "power_minutes#1",
        "power_minutes#2",
      ]);
      await sql`UPDATE projection_checkpoints SET last_seq = 35, last_event_at = '2026-11-23T09:00:00Z'
        WHERE projection = 'power_minutes#1'`;
      equal(await lowestCheckpoint(sql, ["machines", "power_minutes"]), 35);
      equal(await lowestCheckpoint(sql, ["power_minutes#0", "power_minutes#2"]), 40);
      const views = await readViews(sql);
      deepEqual(views.checkpoints.get("power_minutes"), {
        projection: "power_minutes",
        last_seq: 35,
        last_event_at: "2026-11-23T10:00:00.000Z",
      });
      deepEqual([...views.checkpoints.keys()].sort(), [
        "machines",
        "power_minutes",
        "sensor_readings",
      ]);
    });
  } finally {
    await sql.end();
    await stack.stop();
  }
});
