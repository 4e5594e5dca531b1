/**
 * The dashboard in a real browser: headless Chromium from the system package against the API
 * served over a real NATS and PostgreSQL. History is published to the stream and projected with
 * the projector's own batch writer, so the page reads what a running system would hold.
 */
import assert from "node:assert/strict";
import type { Page } from "puppeteer-core";
import type { SignalEvent } from "../events/mod.ts";
import { eventAt, projectEvents } from "../api/machines_at_fixture.ts";
import { publish } from "../api/_seed.ts";
import { startTestEnv, type TestEnv } from "../api/_test_stack.ts";
import type { ApiSettings } from "../api/deps.ts";
import { DASHBOARD_CSP } from "../api/routes/dashboard.ts";
import { launchBrowser } from "./_browser.ts";

const MIN = 60_000;
const MACHINES = Array.from({ length: 24 }, (_, i) => `m-${String(i + 1).padStart(3, "0")}`);
const STATES = ["running", "idle", "stopped", "fault"] as const;
const ev = eventAt;

/**
 * Two hours of history ending a minute ago: every machine changes state at -120 and -60 minutes
 * (so at -100 minutes each is in its first state), reports power each minute of the last hour,
 * and has an error; m-003 has a failure episode; two x-ray devices have a scan each.
 */
function history(now: number): SignalEvent[] {
  const events: SignalEvent[] = [];
  MACHINES.forEach((m, i) => {
    events.push(
      ev("state_change", m, now - 120 * MIN + i * 1000, { from: null, to: STATES[i % 4] }),
    );
    events.push(
      ev("state_change", m, now - 60 * MIN + i * 1000, {
        from: STATES[i % 4],
        to: STATES[(i + 1) % 4],
      }),
    );
    events.push(
      ev("error", m, now - 30 * MIN + i * 1000, {
        code: "E-1",
        severity: (["info", "warning", "error", "critical"] as const)[i % 4],
        message: `seeded error ${i}`,
      }),
    );
  });
  for (let minute = 59; minute >= 1; minute--) {
    for (const [i, m] of MACHINES.entries()) {
      const watts = Array.from({ length: 10 }, (_, k) => 1000 + i * 10 + k + (minute % 7) * 50);
      events.push(ev("power", m, now - minute * MIN + i * 100, { sampleRateHz: 100, watts }));
    }
  }
  events.push(
    ev("sensor", "m-003", now - 40 * MIN, {
      readings: { temp: 80 },
      failure: { type: "bearing_wear", progress: 0.4 },
    }),
  );
  for (const device of ["xray-01", "xray-02"]) {
    const points = Array.from({ length: 50 }, (_, k) => [
      k * 100,
      [52 + Math.sin(k / 8) / 100 + (device === "xray-02" ? 0.01 : 0), 13 + k / 2000, 5 + k % 3],
    ]);
    events.push(ev("xray", device, now - 5 * MIN, { dataPoints: points }));
  }
  return events.sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
}

/** Publishes `events` and projects them as the projector would, with a fresh heartbeat. */
async function seed(env: TestEnv, events: SignalEvent[]): Promise<void> {
  const seqs = await publish(env.nats, events);
  await projectEvents(env.sql, events, seqs);
  await env.sql`
    INSERT INTO projector_status (name, heartbeat_at, stream_last_seq, checkpoint_seq)
    VALUES ('projector', now(), ${seqs.at(-1)!}, ${seqs.at(-1)!})
    ON CONFLICT (name) DO UPDATE SET heartbeat_at = now(),
      stream_last_seq = EXCLUDED.stream_last_seq, checkpoint_seq = EXCLUDED.checkpoint_seq`;
}

/** Serves the app over `env` on a free port; `close()` ends open streams, the server and the env. */
function serve(env: TestEnv, settings: Partial<ApiSettings> = {}) {
  // The app's signal ends open /stream responses, so the server can finish.
  const abort = new AbortController();
  const app = env.app({ signal: abort.signal, settings: { apiKeys: [], ...settings } });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: abort.signal, onListen() {} },
    (request) => app.fetch(request),
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    async close() {
      abort.abort();
      await server.finished;
      await env.close();
    },
  };
}

async function tileStates(page: Page): Promise<Record<string, string>> {
  return await page.$$eval("button.tile", (tiles) =>
    Object.fromEntries(
      tiles.map((t) => [(t as HTMLElement).dataset.id!, (t as HTMLElement).dataset.state!]),
    ));
}

Deno.test("the dashboard shows the fleet live and as of a past instant in Chromium", async (t) => {
  const env = await startTestEnv();
  const now = Date.now();
  const events = history(now);
  const devices = ["xray-01", "xray-02"];
  const fleetSize = MACHINES.length + devices.length;
  const server = serve(env, { projectorStaleMs: 3_600_000 });
  const browser = await launchBrowser();
  const tmp = await Deno.makeTempDir({ prefix: "dash-browser-test-" });
  try {
    await seed(env, events);
    const page = await browser.browser.newPage();
    await page.setViewport({ width: 1400, height: 1000 });
    const problems: string[] = [];
    const foreign: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e}`));
    page.on("request", (r) => {
      if (!r.url().startsWith(server.url) && !r.url().startsWith("data:")) foreign.push(r.url());
    });

    await t.step("the page loads with no console errors and shows every machine", async () => {
      const response = await page.goto(`${server.url}/`, {
        waitUntil: "domcontentloaded",
        timeout: 120_000,
      });
      assert.equal(response?.status(), 200);
      assert.equal(response?.headers()["content-security-policy"], DASHBOARD_CSP);
      await page.waitForFunction(
        (n: number) => document.querySelectorAll("button.tile").length === n,
        { timeout: 60_000 },
        fleetSize,
      );
      const shown = Object.keys(await tileStates(page)).sort();
      assert.deepEqual(shown, [...MACHINES, ...devices].sort());
      // Each tile tells its state in text too, not by colour alone.
      const label = await page.$eval('button.tile[data-id="m-002"] .st', (e) => e.textContent);
      assert.match(label ?? "", /running|idle|stopped|fault/);
      assert.deepEqual(problems, []);
      assert.deepEqual(foreign, []);
    });

    await t.step("a state_change published to the stream shows within 2 s", async () => {
      await page.waitForFunction(
        () => document.getElementById("mode")?.textContent?.includes("stream connected"),
        { timeout: 60_000 },
      );
      const before = (await tileStates(page))["m-005"];
      const to = before === "fault" ? "idle" : "fault";
      await seed(env, [ev("state_change", "m-005", Date.now(), { from: null, to })]);
      await page.waitForFunction(
        (state: string) =>
          document.querySelector<HTMLElement>('button.tile[data-id="m-005"]')?.dataset.state ===
            state,
        { timeout: 2_000 },
        to,
      );
    });

    await t.step("the power chart has points", async () => {
      await page.waitForFunction(
        () => Number(document.getElementById("power-chart")?.dataset.points ?? 0) >= 50,
        { timeout: 60_000 },
      );
      const paths = await page.$$eval("#power-chart canvas", (c) => c.length);
      assert.ok(paths >= 1, "uPlot drew on a canvas");
    });

    await t.step("the x-ray canvas is drawn", async () => {
      await page.waitForFunction(
        () => Number(document.getElementById("xray-canvas")?.dataset.drawn ?? 0) === 2,
        { timeout: 60_000 },
      );
      const inked = await page.$eval("#xray-canvas", (canvas) => {
        const c = canvas as HTMLCanvasElement;
        const data = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i]! < 200) n++;
        return n;
      });
      assert.ok(inked > 200, `only ${inked} dark pixels on the x-ray canvas`);
    });

    await t.step("the slider at a past instant shows what the history tables give", async () => {
      const minutesAgo = 100;
      const at = new Date(Date.now() - minutesAgo * MIN);
      const rows = await env.sql<{ machine_id: string; to_state: string }[]>`
        SELECT DISTINCT ON (machine_id) machine_id, to_state FROM state_changes
        WHERE at <= ${at} ORDER BY machine_id, at DESC, seq DESC`;
      const expected: Record<string, string> = {};
      for (const id of [...MACHINES, ...devices]) expected[id] = "none";
      for (const row of rows) expected[row.machine_id] = row.to_state;
      assert.equal(rows.length, MACHINES.length, "every machine had a state 100 minutes ago");
      const live = await tileStates(page);
      assert.notDeepEqual(live, expected, "the past differs from now");

      await page.$eval("#asof-range", (el, v) => {
        const input = el as HTMLInputElement;
        input.value = String(v);
        input.dispatchEvent(new Event("change"));
      }, -minutesAgo);
      await page.waitForFunction(
        () => document.body.dataset.loaded !== undefined && document.body.dataset.loaded !== "live",
        { timeout: 60_000 },
      );
      assert.deepEqual(await tileStates(page), expected);
      assert.match(await page.$eval("#mode", (e) => e.textContent ?? ""), /As of/);

      await page.click("#asof-live");
      await page.waitForFunction(() => document.body.dataset.loaded === "live", {
        timeout: 60_000,
      });
      assert.deepEqual(await tileStates(page), live);
    });

    await t.step(
      "text on every tile colour and severity badge meets WCAG AA contrast",
      async () => {
        const pairs = await page.evaluate(() => {
          const rgb = (text: string) => text.match(/[\d.]+/g)!.slice(0, 3).map(Number);
          const seen: Record<string, [number[], number[]]> = {};
          const selector = "button.tile, #errors-list .sev, #health-body dd, #mode";
          for (const el of document.querySelectorAll<HTMLElement>(selector)) {
            const style = getComputedStyle(el);
            let bg = style.backgroundColor;
            for (let p = el.parentElement; bg === "rgba(0, 0, 0, 0)" && p; p = p.parentElement) {
              bg = getComputedStyle(p).backgroundColor;
            }
            const key = `${el.dataset.state ?? el.className ?? el.tagName}`;
            seen[key] = [
              rgb(style.color),
              rgb(bg === "rgba(0, 0, 0, 0)" ? "rgb(255,255,255)" : bg),
            ];
          }
          return seen;
        });
        const luminance = (c: number[]) => {
          const [r, g, b] = c.map((v) => {
            const s = v / 255;
            return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
          });
          return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
        };
        for (const state of ["running", "idle", "stopped", "fault", "none"]) {
          assert.ok(pairs[state], `a tile in state ${state} was checked`);
        }
        assert.ok(pairs["sev sev-critical"], "the critical badge was checked");
        for (const [what, [fg, bg]] of Object.entries(pairs)) {
          const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
          const ratio = (hi! + 0.05) / (lo! + 0.05);
          assert.ok(ratio >= 4.5, `${what}: contrast ${ratio.toFixed(2)} < 4.5`);
        }
      },
    );

    await t.step("keyboard: arrows move between machines and Enter opens one", async () => {
      await page.focus('button.tile[data-id="m-001"]');
      await page.keyboard.press("ArrowRight");
      await page.keyboard.press("Enter");
      await page.waitForFunction(
        () => document.getElementById("detail-body")?.textContent?.includes("m-002"),
        { timeout: 30_000 },
      );
      const focused = await page.evaluate(() => (document.activeElement as HTMLElement).dataset.id);
      assert.equal(focused, "m-002");
    });

    await t.step("a screenshot is saved and is not trivial", async () => {
      const path = `${tmp}/dashboard.png`;
      await page.screenshot({ path, fullPage: true });
      const size = (await Deno.stat(path)).size;
      assert.ok(size > 30_000, `screenshot is only ${size} bytes`);
      assert.deepEqual(problems, [], "no console errors over the whole session");
    });
    await page.close();
  } finally {
    await browser.close();
    await server.close();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("with API keys the page asks for a key, keeps it in session storage only, and lists replays for an admin", async () => {
  const env = await startTestEnv();
  const key = "dashboard-read-key-1";
  const adminKey = "dashboard-admin-key-1";
  const server = serve(env, { apiKeys: [{ key, role: "read" }, { key: adminKey, role: "admin" }] });
  const browser = await launchBrowser();
  try {
    await seed(env, [ev("state_change", "m-001", Date.now() - MIN, { from: null, to: "idle" })]);
    const page = await browser.browser.newPage();
    await page.goto(`${server.url}/`, { waitUntil: "domcontentloaded", timeout: 120_000 });
    await page.waitForFunction(
      () => document.getElementById("mode")?.textContent?.includes("needs a key"),
      { timeout: 60_000 },
    );
    await page.type("#read-key", key);
    await page.click('#key-form button[type="submit"]');
    await page.waitForFunction(
      () =>
        document.querySelector<HTMLElement>('button.tile[data-id="m-001"]')?.dataset.state ===
          "idle",
      { timeout: 60_000 },
    );
    const stored = await page.evaluate(() => ({
      session: Object.values(sessionStorage),
      local: Object.keys(localStorage).length,
      field: (document.getElementById("read-key") as HTMLInputElement).value,
    }));
    assert.deepEqual(stored, { session: [key], local: 0, field: "" });

    // Given a queued rebuild, an admin key shows it in the replay jobs panel.
    const queued = await fetch(`${server.url}/admin/replay`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ projection: "machines" }),
    });
    assert.equal(queued.status, 202, await queued.text());
    await page.type("#read-key", adminKey);
    await page.click('#key-form button[type="submit"]');
    await page.waitForFunction(
      () => {
        const text = document.getElementById("replays-body")?.textContent ?? "";
        return text.includes("machines") && text.includes("queued");
      },
      { timeout: 60_000 },
    );
    await page.close();
  } finally {
    await browser.close();
    await server.close();
  }
});
