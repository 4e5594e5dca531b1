import { equal, match } from "node:assert/strict";
import { parseChaosArgs } from "./chaos.ts";
import { spawnService } from "../testing/mod.ts";

Deno.test("chaos flags: defaults, and a bad value named with what was seen", () => {
  equal(parseChaosArgs([]).minutes, 5);
  equal(parseChaosArgs(["--minutes", "2", "--machines", "4"]).machines, 4);
  let message = "";
  try {
    parseChaosArgs(["--machines", "0"]);
  } catch (error) {
    message = (error as Error).message;
  }
  match(message, /Invalid --machines: .*got '0'/);
});

// The short form: half a minute of producer under every fault (the full schedule, compressed).
Deno.test("deno task chaos --minutes 0.5 loses nothing, counts nothing twice, and says so", async () => {
  const run = spawnService("dev/chaos.ts", {
    permissions: "dev",
    args: ["--minutes", "0.5", "--machines", "3"],
  });
  try {
    const code = await run.exited;
    const report = run.stdout();
    equal(code, 0, `${report}\n${run.output().slice(-4000)}`);
    match(report, /^events published: \d+ stored in the stream/m);
    for (
      const fault of [
        "hostile messages 1",
        "projector SIGKILL 1",
        "nats-server SIGKILL",
        "projector SIGKILL 2",
        "PostgreSQL stopped",
        "rebuild SIGKILL",
        "rebuild completed",
        "projector SIGKILL 3",
        "hostile messages 2",
      ]
    ) {
      match(report, new RegExp(`^  \\+\\d\\d:\\d\\d \\S+  ${fault} `, "m"));
    }
    match(report, /rebuild SIGKILL +SIGKILLed while running/);
    for (const table of ["machines", "power_minutes", "state_changes", "dead_letters"]) {
      match(report, new RegExp(`^  ${table} +(\\d+) / \\1 +ok$`, "m"));
    }
    match(report, /^ {2}bad_signature +[1-9]\d* \/ [1-9]\d* +ok$/m);
    match(report, /^ {2}conflicting_duplicate +2 \/ 2 +ok$/m);
    match(report, /^ {2}projector +\d+\.\d MB$/m);
    match(report, /^verdict: OK/m);
  } finally {
    await run.stop("SIGTERM");
  }
});
