/**
 * `deno run -A dashboard/load_probe.ts [seconds]`: the dashboard with 1,000 machines at live rates
 * in headless Chromium. Starts a stack of its own, projects 1,000 machines, opens the page, then
 * publishes what a live fleet sends (a power event per machine every 100 ms and a state change per
 * machine every 3 s on average) and prints the page's frame intervals and long tasks. A probe for
 * people, not a test: its figures depend on the machine's load.
 * @module
 */
import { encodeEvent } from "../events/mod.ts";
import { eventAt, projectEvents } from "../api/machines_at_fixture.ts";
import { startTestEnv } from "../api/_test_stack.ts";
import { launchBrowser } from "./_browser.ts";

const MACHINES = 1000;
const STATES = ["running", "idle", "stopped", "fault"];
const ev = eventAt;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

async function main(seconds: number): Promise<void> {
  const env = await startTestEnv();
  const ids = Array.from({ length: MACHINES }, (_, i) => `m-${String(i + 1).padStart(4, "0")}`);
  const abort = new AbortController();
  const app = env.app({ signal: abort.signal, settings: { apiKeys: [] } });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: abort.signal, onListen() {} },
    (request) => app.fetch(request),
  );
  const browser = await launchBrowser();
  try {
    const start = ids.map((m) =>
      ev("state_change", m, Date.now() - 60_000, { from: null, to: "running" })
    );
    await projectEvents(env.sql, start);
    const page = await browser.browser.newPage();
    await page.setViewport({ width: 1400, height: 1000 });
    await page.goto(`http://127.0.0.1:${server.addr.port}/`);
    await page.waitForFunction(
      (count: number) => document.querySelectorAll("button.tile").length === count,
      { timeout: 60_000 },
      MACHINES,
    );
    await page.waitForFunction(
      () => document.getElementById("mode")?.textContent?.includes("stream connected"),
      { timeout: 30_000 },
    );
    await page.evaluate(() => {
      const w = globalThis as unknown as { frames: number[]; long: number[] };
      w.frames = [];
      w.long = [];
      let last = performance.now();
      const loop = (t: number) => {
        w.frames.push(t - last);
        last = t;
        requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) w.long.push(entry.duration);
      }).observe({ type: "longtask" });
    });
    let sent = 0;
    const began = Date.now();
    for (let tick = 0; tick < seconds * 10; tick++) {
      const at = began + tick * 100;
      for (const m of ids) {
        const watts = Array.from({ length: 10 }, () => 900 + Math.random() * 200);
        const e = encodeEvent(ev("power", m, at, { sampleRateHz: 100, watts }));
        env.nats.publish(e.subject, e.bytes);
        sent++;
      }
      for (let k = 0; k < MACHINES / 30; k++) {
        const m = ids[Math.floor(Math.random() * MACHINES)]!;
        const e = encodeEvent(ev("state_change", m, at, { from: null, to: STATES[k % 4] }));
        env.nats.publish(e.subject, e.bytes);
        sent++;
      }
      await env.nats.flush();
      const wait = began + (tick + 1) * 100 - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const elapsed = (Date.now() - began) / 1000;
    const asked = performance.now();
    await page.evaluate(() => 1);
    const roundTripMs = performance.now() - asked;
    const { frames, long } = await page.evaluate(() => {
      const w = globalThis as unknown as { frames: number[]; long: number[] };
      return { frames: w.frames, long: w.long };
    });
    const sorted = [...frames].sort((a, b) => a - b);
    console.log(JSON.stringify({
      machines: MACHINES,
      eventsPerSec: Math.round(sent / elapsed),
      seconds: elapsed,
      frames: frames.length,
      frameMs: { p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), max: sorted.at(-1) },
      longTasks: long.length,
      longTaskMs: Math.round(long.reduce((a, b) => a + b, 0)),
      evaluateRoundTripMs: Math.round(roundTripMs),
    }));
    await page.close();
  } finally {
    await browser.close();
    abort.abort();
    await server.finished;
    await env.close();
  }
}

if (import.meta.main) await main(Number(Deno.args[0] ?? 10));
