import { equal, match, ok } from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { startTestStack } from "../dev/stack.ts";
import { freePort } from "../dev/ports.ts";
import { streamCount } from "./_testing.ts";

const MAIN = new URL("./main.ts", import.meta.url).pathname;

function producer(env: Record<string, string>, args: string[] = []): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=producer", MAIN, ...args],
    env,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
}

async function stderrOf(child: Deno.ChildProcess): Promise<string> {
  return await new Response(child.stderr).text();
}

Deno.test("a bad value stops start-up with exit code 2 and a message naming it", async (t) => {
  await t.step("MACHINES=abc", async () => {
    const child = producer({ MACHINES: "abc" });
    const [status, err] = await Promise.all([child.status, stderrOf(child)]);
    equal(status.code, 2);
    match(err, /MACHINES/);
  });
  await t.step("--types power,bogus", async () => {
    const child = producer({}, ["--types", "power,bogus"]);
    const [status, err] = await Promise.all([child.status, stderrOf(child)]);
    equal(status.code, 2);
    match(err, /--types \(TYPES\)/);
  });
});

Deno.test("SIGTERM flushes what is in flight, then the producer exits 0", async () => {
  const stack = await startTestStack();
  const nc = await connect({ servers: stack.natsUrl });
  try {
    // given a live producer that has published for a while
    const child = producer({ NATS_URL: stack.natsUrl, MACHINES: "3", LOG_INTERVAL_MS: "500" });
    const err = stderrOf(child);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const count = await streamCount(nc).catch(() => 0);
      if (count > 50) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // when it is terminated
    child.kill("SIGTERM");
    const status = await child.status;
    // then it exits 0 and everything it generated is in the stream
    equal(status.code, 0);
    const lines = (await err).split("\n").filter((l) => l.startsWith("{")).map((l) =>
      JSON.parse(l)
    );
    ok(lines.some((l) => l.msg === "progress" && typeof l.eventsPerSec?.power === "number"));
    const finished = lines.find((l) => l.msg === "producer finished");
    ok(finished, "a final summary is logged");
    equal(finished.unacked, 0);
    equal(finished.published, finished.generated);
    equal(await streamCount(nc), finished.published);
  } finally {
    await nc.close();
    await stack.stop();
  }
});

Deno.test("SIGTERM while NATS cannot be reached still exits 0 at once", async () => {
  // given a producer waiting for a server that is not there
  const port = freePort();
  const child = producer({ NATS_URL: `nats://127.0.0.1:${port}` });
  const err = stderrOf(child);
  await new Promise((r) => setTimeout(r, 1500));
  // when it is terminated
  const stoppedAt = Date.now();
  child.kill("SIGTERM");
  // then it exits 0 within a few seconds
  equal((await child.status).code, 0);
  ok(Date.now() - stoppedAt < 5000);
  match(await err, /producer finished/);
});
