import { deepEqual, equal, throws } from "node:assert/strict";
import { ConfigError } from "../lib/mod.ts";
import { loadReplayConfig, parseFlags } from "./config.ts";

Deno.test("replay flags parse into a request, and a bad flag is named", async (t) => {
  await t.step("no flags rebuild all from the start, asking first", () => {
    deepEqual(parseFlags([]), { projection: "all", yes: false, worker: false, help: false });
    equal(parseFlags(["--worker"]).worker, true);
  });
  await t.step("both spellings of a value, and short flags", () => {
    const flags = parseFlags(["--projection=power_minutes", "--from-seq", "42", "-y"]);
    equal(flags.projection, "power_minutes");
    equal(flags["from-seq"], 42);
    equal(flags.yes, true);
    equal(parseFlags(["--from-time", "2026-11-23T10:00:00Z"])["from-time"], "2026-11-23T10:00:00Z");
  });
  await t.step("each bad flag throws a ConfigError naming it and the value", () => {
    const cases: [string[], string, RegExp][] = [
      [["--projection", "nope"], "--projection", /"nope"/],
      [["--from-seq", "0"], "--from-seq", /at least 1/],
      [["--from-seq", "1.5"], "--from-seq", /whole number/],
      [["--from-time", "noon"], "--from-time", /ISO 8601/],
      [["--from-seq", "3", "--from-time", "2026-11-23T10:00:00Z"], "--from-time", /together/],
      [["--bogus"], "--bogus", /Unknown flag/],
      [["--projection"], "--projection", /Missing value/],
    ];
    for (const [args, flag, message] of cases) {
      throws(
        () => parseFlags(args),
        (e: unknown) => e instanceof ConfigError && e.variable === flag && message.test(e.message),
      );
    }
  });
});

Deno.test("replay env: defaults, and a bad variable is named", () => {
  equal(loadReplayConfig({}).batchSize, 2048);
  deepEqual(loadReplayConfig({}).worker, {
    concurrency: 1,
    leaseMs: 10_000,
    heartbeatMs: 500,
    pollMs: 1000,
    retentionDays: 30,
    nice: 10,
  });
  equal(loadReplayConfig({ REPLAY_CONCURRENCY: "3" }).worker.concurrency, 3);
  throws(() => loadReplayConfig({ REPLAY_CONCURRENCY: "0" }), /REPLAY_CONCURRENCY/);
  throws(() => loadReplayConfig({ REPLAY_HEARTBEAT_MS: "5000" }), /REPLAY_HEARTBEAT_MS/);
  throws(() => loadReplayConfig({ REPLAY_LEASE_MS: "10" }), /REPLAY_LEASE_MS/);
  throws(() => loadReplayConfig({ REPLAY_NICE: "20" }), /REPLAY_NICE/);
  equal(loadReplayConfig({}).workers, 1);
  equal(loadReplayConfig({ REPLAY_WORKERS: "0" }).workers, 0);
  throws(() => loadReplayConfig({ REPLAY_WORKERS: "-1" }), /REPLAY_WORKERS/);
  throws(() => loadReplayConfig({ REPLAY_BATCH_SIZE: "many" }), /REPLAY_BATCH_SIZE/);
  throws(() => loadReplayConfig({ DATABASE_URL: "mysql://x" }), /DATABASE_URL/);
});
