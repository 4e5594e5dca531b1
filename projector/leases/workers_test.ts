import { deepEqual, equal, ok } from "node:assert/strict";
import { createLogger, sleep } from "../../lib/mod.ts";
import { runProducer } from "../../producer/run.ts";
import { readStream, type SpawnedService, spawnService, startTestEnv } from "../../testing/mod.ts";
import { waitUntil } from "../../dev/ports.ts";
import { decodeBatch } from "../decode_batch.ts";
import { applyBatch, emptyViews } from "../projections/views.ts";
import { readViews } from "../store/read_views.ts";
import { lowestCheckpoint } from "../store/checkpoints.ts";
import { REGISTRY } from "../registry.ts";
import { projectionOfUnit, unitsOf } from "../partitions.ts";
import { type LeaseHolding, readLeaseHistory } from "./store.ts";

const WORKERS = 3;
const PARTITIONS = 4;
const SPLIT = REGISTRY.filter((d) => d.partitionable).map((d) => d.name);
const KILL_EVERY_MS = 10_000;
const KILLS = 6;
const TAKEOVER_MS = 10_000;

/** The worker processes; a restarted one gets a new name, so its holdings are told apart. */
class Workers {
  readonly running = new Map<string, SpawnedService>();
  #started = 0;
  constructor(readonly env: Record<string, string>) {}

  start(): string {
    const name = `p${++this.#started}`;
    this.running.set(
      name,
      spawnService("projector/main.ts", {
        permissions: "projector",
        env: { ...this.env, PROJECTOR_CONSUMER: name, LOG_LEVEL: "warn" },
      }),
    );
    return name;
  }

  async kill(name: string): Promise<void> {
    await this.running.get(name)!.stop("SIGKILL");
    this.running.delete(name);
  }

  /** Stops every worker with SIGTERM; the exit codes, and the output of those that failed. */
  async stopAll(): Promise<{ codes: number[]; failed: string[] }> {
    const codes = [];
    const failed = [];
    for (const [name, worker] of this.running) {
      const code = await worker.stop("SIGTERM");
      codes.push(code);
      if (code !== 0) failed.push(`${name} exited ${code}: ${worker.output()}`);
      this.running.delete(name);
    }
    return { codes, failed };
  }
}

/** Whose process an owner id (`<name>-<random>`) belongs to. */
const processOf = (owner: string) => owner.split("-")[0]!;

Deno.test({
  name:
    "three projector workers, one SIGKILLed every 10 s for a minute: they share the split read models, which equal the stream, and no two held a unit at once",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const env = await startTestEnv();
    const workers = new Workers({
      NATS_URL: env.stack.natsUrl,
      DATABASE_URL: env.stack.databaseUrl,
      PROJECTOR_BATCH_SIZE: "500",
      PROJECTOR_PARTITIONS: String(PARTITIONS),
    });
    const stop = new AbortController();
    let producing: Promise<unknown> | undefined;
    try {
      // given three workers and a live producer
      for (let i = 0; i < WORKERS; i++) workers.start();
      producing = runProducer(env.stack.natsUrl, {
        machines: 50,
        seed: 9,
        xrayDevices: 1,
        powerBatchMs: 500,
      }, { signal: stop.signal, logger: createLogger("producer", "error") });
      // (the units: the whole read models, and four partitions of each split one)
      const units = unitsOf(REGISTRY, () => PARTITIONS).map((d) => d.name);
      await waitUntil("every unit held", async () => {
        const held = await env.sql<{ n: number }[]>`
          SELECT count(*)::int AS n FROM projector_leases
          WHERE owner IS NOT NULL AND expires_at > clock_timestamp()`.catch(() => [{ n: 0 }]);
        return held[0]?.n === units.length;
      }, 60_000);
      // (and each split read model's partitions held by more than one worker at once)
      await waitUntil("the split read models shared by several workers", async () => {
        const rows = await env.sql<{ unit: string; owner: string }[]>`
          SELECT unit, owner FROM projector_leases
          WHERE owner IS NOT NULL AND expires_at > clock_timestamp()`;
        return SPLIT.every((p) =>
          new Set(rows.filter((r) => projectionOfUnit(r.unit) === p).map((r) => r.owner)).size >= 2
        );
      }, 30_000);

      // when one of them is SIGKILLed every 10 s and another started in its place
      const kills: { name: string; at: Date }[] = [];
      for (let k = 0; k < KILLS; k++) {
        await sleep(KILL_EVERY_MS);
        const victim = [...workers.running.keys()][k % WORKERS]!;
        kills.push({ name: victim, at: new Date() });
        await workers.kill(victim);
        workers.start();
      }
      stop.abort();
      await producing;
      producing = undefined;

      // then, once caught up, every read model equals one clean projection of the stream
      const stored = await readStream(env.nats);
      const last = stored.at(-1)!.seq;
      await waitUntil("the workers to catch up", async () => {
        return (await lowestCheckpoint(env.sql, units)) >= last;
      }, 60_000);
      // (and every unit is held by a live worker again)
      await waitUntil("every unit held by a live worker", async () => {
        const rows = await env.sql<{ owner: string | null }[]>`
          SELECT owner FROM projector_leases WHERE expires_at > clock_timestamp()`;
        return rows.length === units.length &&
          rows.every((r) => r.owner && workers.running.has(processOf(r.owner)));
      }, 30_000);
      const expected = emptyViews();
      applyBatch(expected, decodeBatch(stored));
      deepEqual(await readViews(env.sql), expected);

      // and the lease history shows one holder at a time per unit, each writing on from where
      // the one before stopped
      const history = await readLeaseHistory(env.sql);
      const byUnit = Map.groupBy(history, (h) => h.unit);
      deepEqual([...byUnit.keys()].sort(), [...units].sort());
      // while different workers wrote partitions of the same read model at the same time
      const end = new Date();
      for (const projection of SPLIT) {
        const wrote = history.filter((h) => projectionOfUnit(h.unit) === projection && h.batches);
        const together = wrote.some((a) =>
          wrote.some((b) =>
            a.owner !== b.owner && a.unit !== b.unit && a.acquiredAt < (b.releasedAt ?? end) &&
            b.acquiredAt < (a.releasedAt ?? end)
          )
        );
        ok(together, `${projection}: two workers wrote partitions of it at the same time`);
      }
      for (const [unit, holdings] of byUnit) {
        for (let i = 1; i < holdings.length; i++) {
          const before = holdings[i - 1]!;
          const after = holdings[i]!;
          equal(after.fence, before.fence + 1, `${unit}: fences follow on`);
          ok(
            before.releasedAt && before.releasedAt <= after.acquiredAt,
            overlap(unit, before, after),
          );
          if (before.lastCommitAt) {
            ok(before.lastCommitAt <= after.acquiredAt, overlap(unit, before, after));
          }
          const wrote = holdings.slice(0, i).filter((h) => h.toSeq !== null);
          const lastWritten = Math.max(0, ...wrote.map((h) => h.toSeq!));
          if (after.fromSeq !== null) {
            equal(
              after.fromSeq,
              lastWritten + 1,
              `${unit}: fence ${after.fence} wrote on from ${lastWritten}`,
            );
          }
        }
      }
      // and each killed worker's read models were taken over within 10 s
      const takeovers: number[] = [];
      for (const kill of kills) {
        const lost = history.filter((h) =>
          processOf(h.owner) === kill.name && h.acquiredAt < kill.at &&
          (!h.releasedAt || h.releasedAt > kill.at)
        );
        for (const holding of lost) {
          const next = byUnit.get(holding.unit)!.find((h) => h.fence === holding.fence + 1);
          ok(next, `${holding.unit} was taken over after ${kill.name} died`);
          const takeoverMs = next.acquiredAt.getTime() - kill.at.getTime();
          takeovers.push(takeoverMs);
          ok(takeoverMs <= TAKEOVER_MS, `${holding.unit} taken over after ${takeoverMs} ms`);
        }
      }
      ok(takeovers.length >= KILLS, "every kill cost the victim at least one unit");
      console.log(
        `${KILLS} kills, ${history.length} holdings, ${stored.length} events; takeover after ` +
          `${Math.min(...takeovers)}–${Math.max(...takeovers)} ms`,
      );
      // and a worker started with another partition count stops at once, naming the variable
      const other = spawnService("projector/main.ts", {
        permissions: "projector",
        env: { ...workers.env, PROJECTOR_PARTITIONS: "2", PROJECTOR_CONSUMER: "odd" },
      });
      equal(await other.exited, 2, other.output());
      ok(other.output().includes("PROJECTOR_PARTITIONS=2"), other.output());
      const stopped = await workers.stopAll();
      deepEqual(stopped.codes, Array(WORKERS).fill(0), stopped.failed.join("\n"));
    } finally {
      stop.abort();
      await producing?.catch(() => {});
      for (const worker of workers.running.values()) await worker.stop("SIGKILL");
      await env.close();
    }
  },
});

function overlap(unit: string, before: LeaseHolding, after: LeaseHolding): string {
  return `${unit}: fence ${before.fence} (${before.owner}, released ${before.releasedAt?.toISOString()}, ` +
    `last commit ${before.lastCommitAt?.toISOString()}) overlaps fence ${after.fence} ` +
    `(${after.owner}, acquired ${after.acquiredAt.toISOString()})`;
}
