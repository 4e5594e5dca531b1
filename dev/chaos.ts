/**
 * `deno task chaos [--minutes N] [--machines N]`: proves on this machine that the read models
 * lose nothing and count nothing twice through crashes, outages and hostile input. It starts its
 * own stack (temporary DATA_DIR, free loopback ports, a signing key), runs the producer live,
 * the projector and the API as processes, and on a schedule scaled to the duration SIGKILLs
 * nats-server, stops PostgreSQL, SIGKILLs the projector three times and a running rebuild, and
 * publishes hostile messages. Then it stops the producer, lets the projector catch up, checks
 * every read model against the stream, prints a report and exits 1 on any disagreement.
 * @module
 */
import { parseArgs } from "node:util";
import { lowestCheckpoint, PROJECTIONS } from "../projector/mod.ts";
import { sleep } from "../lib/mod.ts";
import { readStream } from "../testing/stream.ts";
import { waitUntil } from "./ports.ts";
import { type ChaosStack, startChaosStack, stopService } from "./_chaos_stack.ts";
import { ApiPoller, pidsOf, RssWatch } from "./_chaos_watch.ts";
import {
  completeRebuild,
  killNats,
  killProjector,
  killRebuild,
  stopPostgres,
  streamLastSeq,
} from "./_chaos_faults.ts";
import { hostileMessages, type HostileResult, publishHostile } from "./_chaos_hostile.ts";
import { verify } from "./_chaos_verify.ts";
import { type Fault, formatReport } from "./_chaos_report.ts";

/** The run's settings from the command line. */
export interface ChaosOptions {
  /** How long the producer runs, in minutes (at least 0.5). @default 5 */
  minutes: number;
  /** How many machines the producer simulates. @default 10 */
  machines: number;
}

/** Hostile kinds that must end as dead letters. */
const MUST_DEAD_LETTER = [
  "bad_signature",
  "bad_json",
  "unknown_type",
  "extreme_rate",
  "extreme_watts",
  "conflicting_body",
];

/** Parses `--minutes` and `--machines`; throws naming the flag and the value seen. */
export function parseChaosArgs(args: string[]): ChaosOptions {
  const { values } = parseArgs({
    args,
    options: {
      minutes: { type: "string", default: "5" },
      machines: { type: "string", default: "10" },
    },
    strict: true,
  });
  const minutes = Number(values.minutes);
  if (!(minutes >= 0.5 && minutes <= 24 * 60)) {
    throw new Error(
      `Invalid --minutes: must be a number from 0.5 to 1440: got '${values.minutes}'`,
    );
  }
  const machines = Number(values.machines);
  if (!(Number.isInteger(machines) && machines >= 1 && machines <= 10_000)) {
    throw new Error(
      `Invalid --machines: must be a whole number from 1 to 10000: got '${values.machines}'`,
    );
  }
  return { minutes, machines };
}

async function postmasterPids(dataDir: string): Promise<number[]> {
  const text = await Deno.readTextFile(`${dataDir}/postgres/postmaster.pid`).catch(() => "");
  const pid = Number(text.split("\n")[0]);
  return pid > 0 ? [pid] : [];
}

function watchAll(chaos: ChaosStack, rss: RssWatch): void {
  for (const name of ["producer", "projector", "api", "replay"] as const) {
    rss.watch(name, () => {
      const s = chaos.running.get(name);
      return s && s.exitCode() === undefined ? [s.child.pid] : [];
    });
  }
  rss.watch("nats-server", () => pidsOf(`${chaos.dataDir}/nats`));
  rss.watch("postgres", () => postmasterPids(chaos.dataDir));
}

/** Runs the whole trial; returns the report's lines and whether it passed. */
export async function runChaos(
  options: ChaosOptions,
  signal?: AbortSignal,
): Promise<{ ok: boolean; lines: string[] }> {
  const durationMs = options.minutes * 60_000;
  const pgDownSeconds = Math.min(20, Math.max(10, Math.round(durationMs / 1000 / 10)));
  const chaos = await startChaosStack({ machines: options.machines });
  const rss = new RssWatch();
  let poller: ApiPoller | undefined;
  try {
    watchAll(chaos, rss);
    const startedAt = Date.now();
    chaos.start("producer");
    await waitUntil(
      "the producer's first events",
      async () => (await streamLastSeq(chaos)) > 0,
      90_000,
    );
    chaos.start("projector");
    chaos.start("api");
    await waitUntil("the API", async () => {
      const r = await fetch(`${chaos.apiUrl}/machines`).catch(() => undefined);
      await r?.body?.cancel();
      return r?.status === 200;
    }, 90_000);
    poller = new ApiPoller(`${chaos.apiUrl}/machines`);
    const faults: Fault[] = [];
    const hostile: HostileResult[] = [];
    const inject = async (name: string, fraction: number, act: () => Promise<string>) => {
      const at = startedAt + fraction * durationMs;
      if (Date.now() < at) await sleep(at - Date.now(), signal);
      signal?.throwIfAborted();
      const begun = Date.now();
      const outcome = await act();
      faults.push({ name, startedAt: begun, endedAt: Date.now(), outcome });
    };
    let oldSeq = 1;
    const sendHostile = async () => {
      const nearSeq = await streamLastSeq(chaos);
      const messages = await hostileMessages(chaos.nc, {
        signingKey: chaos.env.SIGNING_KEY!,
        nearSeq,
        oldSeq,
        machineId: "m-001",
      });
      const results = await publishHostile(chaos.nc, messages);
      oldSeq = nearSeq;
      hostile.push(...results);
      return `${results.filter((r) => r.seq !== undefined).length} stored, ${
        results.filter((r) => r.seq === undefined).length
      } refused`;
    };
    await inject("hostile messages 1", 0.08, sendHostile);
    await inject("projector SIGKILL 1", 0.15, () => killProjector(chaos, rss));
    await inject("nats-server SIGKILL", 0.25, () => killNats(chaos, rss));
    await inject("projector SIGKILL 2", 0.38, () => killProjector(chaos, rss));
    await inject("PostgreSQL stopped", 0.48, () => stopPostgres(chaos, rss, pgDownSeconds));
    await inject("rebuild SIGKILL", 0.65, () => killRebuild(chaos, rss));
    await inject("rebuild completed", 0.65, () => completeRebuild(chaos, { deadlineMs: 180_000 }));
    await inject("projector SIGKILL 3", 0.82, () => killProjector(chaos, rss));
    await inject("hostile messages 2", 0.88, sendHostile);
    await inject("producer stopped", 1, async () => {
      const code = await stopService(chaos.running.get("producer")!);
      return `exit ${code}`;
    });
    await inject("projector caught up", 1, async () => {
      const last = await streamLastSeq(chaos);
      await waitUntil(
        `the projector to reach seq ${last}`,
        async () => (await lowestCheckpoint(chaos.sql, PROJECTIONS)) >= last,
        180_000,
      );
      return `at seq ${last}`;
    });
    await poller.stop();
    await rss.stop();
    const messages = await readStream(chaos.nc);
    const verdict = await verify(chaos.sql, messages, chaos.env.SIGNING_KEY!);
    const dead = new Map(
      (await chaos.sql<{ seq: string; reason: string }[]>`SELECT seq, reason FROM dead_letters`)
        .map((r) => [Number(r.seq), r.reason]),
    );
    const fates = new Map<number, string>();
    const problems = [...verdict.problems];
    for (const h of hostile) {
      if (h.seq === undefined) continue;
      const reason = dead.get(h.seq);
      fates.set(
        h.seq,
        reason
          ? `dead letter: ${reason.slice(0, 90)}`
          : "not a dead letter (counted at most once: see below)",
      );
      if (!reason && MUST_DEAD_LETTER.includes(h.kind)) {
        problems.push(`hostile '${h.kind}' (seq ${h.seq}) was not dead-lettered`);
      }
    }
    const killed = faults.find((f) => f.name === "rebuild SIGKILL")!;
    if (!killed.outcome.startsWith("SIGKILLed")) problems.push(`rebuild: ${killed.outcome}`);
    const lines = formatReport({
      ...options,
      startedAt,
      streamMessages: messages.length,
      hostile,
      fates,
      faults,
      probes: poller.probes,
      verdict,
      peaksKb: rss.peaks,
      problems,
    });
    return { ok: problems.length === 0, lines };
  } finally {
    await poller?.stop();
    await rss.stop();
    await chaos.close();
  }
}

if (import.meta.main) {
  let options: ChaosOptions;
  try {
    options = parseChaosArgs(Deno.args);
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(2);
  }
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error("Interrupted"));
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    const { ok, lines } = await runChaos(options, abort.signal);
    console.log(lines.join("\n"));
    Deno.exitCode = ok ? 0 : 1;
  } catch (error) {
    if (abort.signal.aborted) {
      console.error("chaos: interrupted; every process it started is stopped and its data removed");
      Deno.exitCode = 130;
    } else {
      console.error(`chaos: ${(error as Error).stack ?? error}`);
      Deno.exitCode = 1;
    }
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }
}
