/**
 * The dashboard page: loads the fleet and its panels for "now" or for an instant picked on the
 * "as of" slider (through `?at=` and windowed queries), then, while live, applies `/stream`
 * events in batches, one batch per animation frame, so a fleet of 1,000 machines stays smooth.
 * @module
 */
import "./style.css";
import { apiKey, getAll, getJson, HttpError, query, setApiKey } from "./api.ts";
import { ErrorsFeed } from "./errors_feed.ts";
import { FailuresTimeline } from "./failures_timeline.ts";
import { Fleet } from "./fleet.ts";
import { dateTime, duration, stateLabel } from "./format.ts";
import { Grid } from "./grid.ts";
import { type MachineExtra, refreshHealth, refreshReplays, renderDetail } from "./panels.ts";
import { PowerChart, type PowerSeries } from "./power_chart.ts";
import { openStream } from "./sse.ts";
import type {
  ErrorItem,
  FailureItem,
  MachineAt,
  SignalEvent,
  XrayItem,
  XrayPoints,
} from "./types.ts";
import { XrayView } from "./xray_canvas.ts";

const HOUR = 3_600_000;
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const iso = (ms: number) => new Date(ms).toISOString();

const fleet = new Fleet();
const grid = new Grid($("grid"), (id) => select(id));
const chart = new PowerChart($("power-chart"));
const feed = new ErrorsFeed($("errors-list"), document.querySelector("#errors .filters")!);
const timeline = new FailuresTimeline($("failures-list"));
const xray = new XrayView($<HTMLCanvasElement>("xray-canvas"), $("xray-list"));
const slider = $<HTMLInputElement>("asof-range");

/** null while live; otherwise the instant the page shows (ms). */
let asOf: number | null = null;
let selected: string | null = null;
let extra: MachineExtra | null = null;
let streamStatus = "connecting";
let loadError: string | null = null;
let generation = 0;

function showMode(): void {
  const mode = $("mode");
  if (loadError) {
    mode.textContent = `✖ ${loadError}`;
    mode.dataset.mode = "error";
  } else if (asOf !== null) {
    mode.textContent = `⏱ As of ${dateTime(asOf)} — from the history; live updates paused`;
    mode.dataset.mode = "past";
  } else {
    const stream = streamStatus === "live" ? "stream connected" : `stream ${streamStatus}`;
    mode.textContent = `● Live — ${stream} · ${
      fleet.machines.size.toLocaleString("en-US")
    } machines`;
    mode.dataset.mode = "live";
  }
}

function showSummary(): void {
  const counts = fleet.counts();
  $("fleet-summary").textContent = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([state, n]) => {
      const label = stateLabel(state === "no state" ? null : state);
      return `${label.icon} ${label.text}: ${n}`;
    })
    .join(" · ");
}

function showDetail(): void {
  renderDetail(
    $("detail-body"),
    selected ? fleet.machines.get(selected) : undefined,
    extra,
    asOf ?? Date.now(),
  );
}

async function loadDetail(): Promise<void> {
  if (!selected) return showDetail();
  const id = encodeURIComponent(selected);
  try {
    if (asOf === null) {
      const m = await getJson<{
        lastError: { code: string; at: string } | null;
        recentErrors: { code: string; severity: string; at: string; message: string }[];
        energyWh: number;
      }>(`/machines/${id}`);
      extra = {
        lastError: m.lastError
          ? `${m.lastError.code} at ${dateTime(Date.parse(m.lastError.at))}`
          : null,
        recentErrors: m.recentErrors.map((e) =>
          `${e.at.slice(11, 19)} ${e.severity} ${e.code}: ${e.message}`
        ),
        energyWh: m.energyWh,
      };
    } else {
      const m = await getJson<MachineAt>(`/machines/${id}${query({ at: iso(asOf) })}`);
      extra = {
        lastError: m.lastError
          ? `${m.lastError.code} (${m.lastError.severity}) at ${
            dateTime(Date.parse(m.lastError.at))
          }`
          : null,
        recentErrors: [],
        energyWh: null,
      };
    }
  } catch {
    extra = null;
  }
  showDetail();
}

function select(id: string): void {
  selected = id;
  grid.select(id);
  extra = null;
  showDetail();
  loadDetail();
  loadPower();
}

async function loadPower(): Promise<void> {
  const gen = generation;
  const to = asOf ?? Date.now();
  try {
    const body = await getJson<
      { minutes: string[]; fleetW: (number | null)[]; machineW: (number | null)[] | null }
    >(
      `/dashboard/power${query({ to: iso(to), machine: selected ?? undefined })}`,
    );
    if (gen !== generation) return;
    const series: PowerSeries = {
      minutes: body.minutes.map((m) => Date.parse(m)),
      fleetW: body.fleetW,
      machineW: body.machineW ?? body.minutes.map(() => null),
      machine: selected,
    };
    chart.set(series);
    $("power-note").textContent = `Solid: fleet total (left axis). Dashed: ${
      selected ?? "select a machine"
    } (right axis). Drag or scroll to zoom; double-click resets.`;
  } catch (error) {
    $("power-note").textContent = `Power unavailable: ${(error as Error).message}`;
  }
}

async function loadXrays(to: number | null): Promise<void> {
  const gen = generation;
  const scans = await getJson<{ data: XrayItem[] }>(
    `/signals/xray${
      query({ to: to === null ? undefined : iso(to + 1), order: "desc", limit: 200 })
    }`,
  );
  const latest = new Map<string, XrayItem>();
  for (const scan of scans.data) if (!latest.has(scan.machineId)) latest.set(scan.machineId, scan);
  const details = await Promise.all(
    [...latest.values()].slice(0, 12).map((scan) =>
      getJson<{ machineId: string; at: string; dataPoints: XrayPoints | null }>(
        `/signals/xray/${encodeURIComponent(scan.id)}`,
      ).catch(() => null)
    ),
  );
  if (gen !== generation) return;
  xray.clear();
  for (const d of details) if (d) xray.set(d.machineId, Date.parse(d.at), d.dataPoints);
  schedule();
}

/** Loads everything for the current mode: now, or the instant on the slider. */
async function loadAll(): Promise<void> {
  const gen = ++generation;
  const at = asOf ?? Date.now();
  const before = asOf === null ? undefined : iso(asOf + 1);
  try {
    const [machines, errors, failures] = await Promise.all([
      getAll<MachineAt>(`/machines${query({ at: iso(at), limit: 1000 })}`),
      getJson<{ data: ErrorItem[] }>(
        `/signals/error${query({ to: before, order: "desc", limit: 100 })}`,
      ),
      getJson<{ data: FailureItem[] }>(
        `/failures${query({ from: iso(at - HOUR), to: iso(at + 1), order: "desc", limit: 200 })}`,
      ),
    ]);
    if (gen !== generation) return;
    loadError = null;
    fleet.load(machines);
    if (asOf === null && streamPath !== wantedStream()) restartStream();
    // Open the first machine at start, so the detail and the machine's power line show something.
    if (selected === null && machines[0]) select(machines[0].machineId);
    feed.set(errors.data);
    timeline.set(failures.data, at);
    document.body.dataset.loaded = asOf === null ? "live" : String(asOf);
  } catch (error) {
    if (gen !== generation) return;
    loadError = error instanceof HttpError && error.status === 401
      ? "This API needs a key: enter a read key above."
      : `Could not load the fleet: ${(error as Error).message}`;
  }
  showMode();
  schedule();
  loadPower();
  loadDetail();
  loadXrays(asOf).catch(() => {});
}

// Stream events wait here for the next animation frame.
let pending: SignalEvent[] = [];
let scheduled = false;
let lastChartFlush = 0;

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  // Hidden tabs get no animation frames; a timer keeps the queue from growing without bound.
  if (document.hidden) setTimeout(frame, 1000);
  else requestAnimationFrame(frame);
}

function frame(): void {
  scheduled = false;
  const batch = pending;
  pending = [];
  let states = false;
  for (const event of batch) {
    fleet.apply(event);
    switch (event.type) {
      case "state_change":
        states = true;
        break;
      case "power":
        chart.add(event);
        break;
      case "error":
        feed.push({
          ...event.data,
          id: event.id,
          machineId: event.machineId,
          at: event.occurredAt,
        });
        break;
      case "sensor":
        timeline.add(event);
        break;
      case "xray":
        xray.set(event.machineId, Date.parse(event.occurredAt), event.data.dataPoints);
        break;
    }
  }
  const now = Date.now();
  // Tiles are redrawn at most five times a second: at 1,000 machines power alone changes
  // thousands of tiles a second, and nobody reads faster than that.
  statesChanged ||= states;
  if (!fleet.added && now - lastGridRender < 200) {
    gridTimer ??= setTimeout(() => {
      gridTimer = undefined;
      schedule();
    }, 200);
  } else {
    lastGridRender = now;
    renderGrid(now, statesChanged);
    statesChanged = false;
  }
  feed.render();
  timeline.render();
  xray.draw();
  if (now - lastChartFlush > 500 || batch.length === 0) {
    lastChartFlush = now;
    chart.flush();
  }
}

let lastGridRender = 0;
let statesChanged = false;
let gridTimer: ReturnType<typeof setTimeout> | undefined;

function renderGrid(now: number, states: boolean): void {
  const selectedChanged = selected !== null && fleet.dirty.has(selected);
  const added = fleet.added;
  grid.render(fleet, asOf ?? now);
  if (states || added) showSummary();
  if (added) showMode();
  if (selectedChanged) showDetail();
}

// The as-of slider: minutes before now; 0 is live.
let debounce: ReturnType<typeof setTimeout> | undefined;
function sliderLabel(): void {
  const minutes = Number(slider.value);
  $("asof-label").textContent = minutes === 0
    ? "live"
    : `${dateTime(Date.now() + minutes * 60_000)} (${duration(-minutes * 60_000)} ago)`;
}
function applySlider(): void {
  clearTimeout(debounce);
  const minutes = Number(slider.value);
  asOf = minutes === 0 ? null : Date.now() + minutes * 60_000;
  $<HTMLButtonElement>("asof-live").disabled = asOf === null;
  pending = [];
  showMode();
  loadAll();
}
slider.addEventListener("input", () => {
  sliderLabel();
  clearTimeout(debounce);
  debounce = setTimeout(applySlider, 400);
});
slider.addEventListener("change", applySlider);
$("asof-live").addEventListener("click", () => {
  slider.value = "0";
  sliderLabel();
  applySlider();
  slider.focus();
});

document.querySelector(".chart-tools")!.addEventListener("click", (e) => {
  const action = (e.target as HTMLElement).closest<HTMLButtonElement>("button")?.dataset.chart;
  if (action === "in") chart.zoom(0.5);
  else if (action === "out") chart.zoom(2);
  else if (action === "left") chart.pan(-1);
  else if (action === "right") chart.pan(1);
  else if (action === "reset") chart.reset();
});

// The key lives in session storage only: it is gone when the tab closes.
const keyInput = $<HTMLInputElement>("read-key");
function showKey(): void {
  keyInput.placeholder = apiKey() ? "key set for this tab" : "read or admin key";
}
$("key-form").addEventListener("submit", (e) => {
  e.preventDefault();
  setApiKey(keyInput.value.trim());
  keyInput.value = "";
  showKey();
  restartStream();
  loadAll();
  refreshReplays($("replays-body"), apiKey() !== null);
});
$("key-forget").addEventListener("click", () => {
  setApiKey("");
  showKey();
  restartStream();
  loadAll();
  refreshReplays($("replays-body"), false);
});

/**
 * Up to this many machines, power comes live over the stream. A bigger fleet sends ten power
 * events a second per machine (10,000/s at 1,000 machines), more than a page should parse, so
 * its power is polled every 2 s from the live list instead, and the chart every 15 s.
 */
const LIVE_POWER_MAX = 200;
let streamPath = "";
let closeStream = () => {};

function wantedStream(): string {
  return fleet.machines.size > LIVE_POWER_MAX
    ? `/stream${query({ type: ["state_change", "error", "sensor", "xray"] })}`
    : "/stream";
}

function restartStream(): void {
  closeStream();
  streamPath = wantedStream();
  closeStream = openStream(streamPath, {
    onEvent(type, data) {
      if (type === "ready" || type === "heartbeat" || asOf !== null) return;
      try {
        pending.push(JSON.parse(data) as SignalEvent);
      } catch {
        return;
      }
      schedule();
    },
    onStatus(status) {
      streamStatus = status;
      showMode();
    },
  });
}

setInterval(() => {
  if (asOf !== null) return;
  const now = Date.now();
  grid.tick(fleet, now);
  timeline.slide(now);
  if (selected) showDetail();
  schedule();
}, 1000);
// A fresh snapshot each minute lets the hourly error counts forget errors older than an hour.
setInterval(() => {
  if (asOf === null) loadAll();
}, 60_000);
setInterval(async () => {
  if (asOf !== null || fleet.machines.size <= LIVE_POWER_MAX) return;
  try {
    const rows = await getAll<{ machineId: string; lastPowerW: number | null }>(
      "/machines?limit=1000",
    );
    if (asOf === null) fleet.setPower(rows.map((r) => [r.machineId, r.lastPowerW]));
    schedule();
  } catch {
    // The next poll tries again; the mode line reports a lost connection.
  }
}, 2000);
setInterval(() => {
  if (asOf === null && fleet.machines.size > LIVE_POWER_MAX) loadPower();
}, 15_000);
setInterval(() => refreshHealth($("health-body")), 5000);
setInterval(() => {
  if (apiKey()) refreshReplays($("replays-body"), true);
}, 5000);

showKey();
sliderLabel();
showMode();
refreshHealth($("health-body"));
refreshReplays($("replays-body"), apiKey() !== null);
loadAll();
