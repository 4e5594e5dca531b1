import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import postgres from "postgres";
import { startTestStack } from "../../dev/stack.ts";
import { waitUntil } from "../../dev/ports.ts";
import { migrate } from "../migrate.ts";
import {
  acquireLeases,
  ensureLeaseRows,
  LeaseLostError,
  readLeaseHistory,
  releaseLeases,
  renewLeases,
  verifyLeases,
} from "./store.ts";

const UNITS = ["a", "b"];
const TTL = 400;

Deno.test("leases: one holder per unit, fenced commits, and a history without overlap", async (t) => {
  const stack = await startTestStack();
  const sql = postgres(stack.databaseUrl, { max: 4, onnotice: () => {} });
  try {
    await migrate(sql);
    await ensureLeaseRows(sql, UNITS);
    const take = (id: string, count = 2) =>
      acquireLeases(sql, id, { count, ttlMs: TTL, order: UNITS });

    await t.step("a free unit goes to the first taker only", async () => {
      deepEqual(await take("w1"), [{ unit: "a", fence: 1 }, { unit: "b", fence: 1 }]);
      deepEqual(await take("w2"), []);
    });

    await t.step("the holder commits while its leases are valid", async () => {
      await sql.begin((tx) => verifyLeases(tx, "w1", [{ unit: "a", fence: 1 }], 10));
      deepEqual(await renewLeases(sql, "w1", [{ unit: "a", fence: 1 }], TTL), [
        { unit: "a", fence: 1 },
      ]);
    });

    await t.step("a taker waits for a commit in flight, which then still counts", async () => {
      // given w1 in a batch transaction (its leases checked and locked) until its lease runs out
      let locked!: () => void;
      const verified = new Promise<void>((resolve) => locked = resolve);
      let expired!: () => void;
      const ranOut = new Promise<void>((resolve) => expired = resolve);
      const committing = sql.begin(async (tx) => {
        await verifyLeases(tx, "w1", [{ unit: "a", fence: 1 }], 20);
        locked();
        await ranOut;
      });
      await verified;
      await waitUntil("a's lease to run out", async () => {
        const [row] = await sql<{ over: boolean }[]>`
          SELECT expires_at < clock_timestamp() AS over FROM projector_leases WHERE unit = 'a'`;
        return row?.over === true;
      });
      // then w2 cannot take the locked unit, only the expired one nobody is writing
      deepEqual(await take("w2"), [{ unit: "b", fence: 2 }]);
      expired();
      await committing;
      // and once the commit is done the expired unit is w2's
      deepEqual(await take("w2", 1), [{ unit: "a", fence: 2 }]);
    });

    await t.step("the former holder can no longer commit or renew", async () => {
      await rejects(
        sql.begin((tx) => verifyLeases(tx, "w1", [{ unit: "a", fence: 1 }], 30)),
        (error) => error instanceof LeaseLostError && error.units.join() === "a",
      );
      deepEqual(await renewLeases(sql, "w1", [{ unit: "a", fence: 1 }], TTL), []);
    });

    await t.step("a released unit is free at once", async () => {
      await releaseLeases(sql, "w2", [{ unit: "b", fence: 2 }]);
      deepEqual(await take("w3", 1), [{ unit: "b", fence: 3 }]);
    });

    await t.step("the history shows each holding once, one after the other", async () => {
      const history = await readLeaseHistory(sql);
      deepEqual(history.map((h) => [h.unit, h.fence, h.owner]), [
        ["a", 1, "w1"],
        ["a", 2, "w2"],
        ["b", 1, "w1"],
        ["b", 2, "w2"],
        ["b", 3, "w3"],
      ]);
      const a1 = history[0]!;
      const a2 = history[1]!;
      equal(a1.batches, 2);
      deepEqual([a1.fromSeq, a1.toSeq], [1, 20]);
      ok(a1.releasedAt && a1.releasedAt <= a2.acquiredAt, "a's holdings do not overlap");
      ok(a1.lastCommitAt! <= a2.acquiredAt, "w1's last commit came before w2 took a");
      for (const [i, h] of history.entries()) {
        const next = history[i + 1];
        if (next?.unit !== h.unit) continue;
        ok(
          h.releasedAt && h.releasedAt <= next.acquiredAt,
          `${h.unit}: ${h.fence} before ${next.fence}`,
        );
      }
    });
  } finally {
    await sql.end();
    await stack.stop();
  }
});
