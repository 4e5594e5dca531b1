/** The small panels: health, replay jobs, and the selected machine's detail. */
import { getJson, HttpError } from "./api.ts";
import { dateTime, duration, stateLabel, watts } from "./format.ts";
import type { MachineView } from "./fleet.ts";

function facts(dl: HTMLElement, rows: [string, string][]): void {
  const fragment = document.createDocumentFragment();
  for (const [term, value] of rows) {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.textContent = value;
    fragment.append(dt, dd);
  }
  dl.replaceChildren(fragment);
}

const STATUS_ICONS: Record<string, string> = {
  ok: "✔",
  degraded: "△",
  down: "✖",
  stale: "△",
  unknown: "?",
};

function status(text: string | undefined): string {
  return `${STATUS_ICONS[text ?? "unknown"] ?? "?"} ${text ?? "unknown"}`;
}

interface Health {
  status: string;
  components: {
    postgres: { status: string };
    nats: { status: string };
    projector: {
      status: string;
      heartbeatAt: string | null;
      eventsPerSec: number | null;
      lag: number | null;
      streamLastSeq: number | null;
    };
  };
}

/** Reads `/health` (a 503 still has the body) and shows it. */
export async function refreshHealth(dl: HTMLElement): Promise<void> {
  let health: Health;
  try {
    const response = await fetch("/health");
    health = await response.json();
  } catch (error) {
    facts(dl, [["API", `✖ unreachable (${(error as Error).message})`]]);
    dl.dataset.status = "down";
    return;
  }
  const p = health.components.projector;
  dl.dataset.status = health.status;
  facts(dl, [
    ["Service", status(health.status)],
    ["PostgreSQL", status(health.components.postgres.status)],
    ["NATS", status(health.components.nats.status)],
    ["Projector", status(p.status)],
    ["Projector lag", p.lag === null ? "—" : `${p.lag.toLocaleString("en-US")} events`],
    ["Throughput", p.eventsPerSec === null ? "—" : `${Math.round(p.eventsPerSec)} events/s`],
    [
      "Heartbeat",
      p.heartbeatAt ? `${duration(Date.now() - Date.parse(p.heartbeatAt))} ago` : "never",
    ],
    ["Stream last seq", p.streamLastSeq === null ? "—" : p.streamLastSeq.toLocaleString("en-US")],
  ]);
}

/** A replay job as `GET /admin/replay` lists it; older APIs name a few fields differently. */
interface Job {
  id: string;
  projection: string;
  state: string;
  phase?: string | null;
  progress: number;
  eventsRead: number;
  eventsTotal?: number;
  totalEvents?: number;
  eventsPerSec: number;
  etaSeconds?: number | null;
  createdAt?: string;
  startedAt?: string | null;
  error?: string | null;
}

const JOB_ICONS: Record<string, string> = {
  queued: "…",
  running: "▶",
  succeeded: "✔",
  failed: "✖",
  cancelled: "■",
};

function cell(row: HTMLElement, content: string | (Node | string)[]): void {
  const td = document.createElement("td");
  if (typeof content === "string") td.textContent = content;
  else td.append(...content);
  row.append(td);
}

/** Lists replay jobs with an admin key; says why not when the API cannot. */
export async function refreshReplays(body: HTMLElement, hasKey: boolean): Promise<void> {
  const say = (text: string) => {
    const p = document.createElement("p");
    p.className = "muted";
    p.textContent = text;
    body.replaceChildren(p);
  };
  if (!hasKey) return say("Enter an admin key above to see replay jobs.");
  let jobs: Job[];
  try {
    const answer = await getJson<Job[] | { data?: Job[]; jobs?: Job[] }>("/admin/replay");
    jobs = Array.isArray(answer) ? answer : answer.data ?? answer.jobs ?? [];
  } catch (error) {
    if (error instanceof HttpError && (error.status === 404 || error.status === 405)) {
      return say("This API does not list replay jobs (no GET /admin/replay).");
    }
    if (error instanceof HttpError && (error.status === 401 || error.status === 403)) {
      return say(`Replay jobs need an admin key: ${error.message}`);
    }
    return say(`Replay jobs unavailable: ${(error as Error).message}`);
  }
  if (jobs.length === 0) return say("No replay jobs.");
  const table = document.createElement("table");
  const head = document.createElement("tr");
  for (const title of ["Projection", "State", "Progress", "Rate", "Started"]) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = title;
    head.append(th);
  }
  table.createTHead().append(head);
  const tbody = table.createTBody();
  for (const job of jobs.slice(0, 20)) {
    const tr = document.createElement("tr");
    const total = job.eventsTotal ?? job.totalEvents ?? 0;
    const percent = Math.round(job.progress * 100);
    const progress = document.createElement("progress");
    progress.max = 1;
    progress.value = job.progress;
    progress.textContent = `${percent}%`;
    const started = job.startedAt ?? job.createdAt;
    cell(tr, job.projection);
    cell(tr, `${JOB_ICONS[job.state] ?? "?"} ${job.state}${job.phase ? ` (${job.phase})` : ""}`);
    cell(tr, [progress, ` ${percent}% (${job.eventsRead}/${total})`]);
    cell(tr, `${Math.round(job.eventsPerSec).toLocaleString("en-US")} events/s`);
    cell(tr, started ? dateTime(Date.parse(started)) : "—");
    tbody.append(tr);
    if (job.error) {
      const err = document.createElement("tr");
      cell(err, "");
      cell(err, `✖ ${job.error}`);
      (err.lastElementChild as HTMLTableCellElement).colSpan = 4;
      tbody.append(err);
    }
  }
  body.replaceChildren(table);
}

/** What the detail panel shows beyond the tile: from `/machines/:id` or `?at=`. */
export interface MachineExtra {
  lastError: string | null;
  recentErrors: string[];
  energyWh: number | null;
}

/** Shows the selected machine. */
export function renderDetail(
  body: HTMLElement,
  view: MachineView | undefined,
  extra: MachineExtra | null,
  now: number,
): void {
  if (!view) {
    body.innerHTML = "<p class=muted>Select a machine in the fleet.</p>";
    return;
  }
  const label = stateLabel(view.state);
  const dl = document.createElement("dl");
  dl.className = "facts";
  facts(dl, [
    ["Machine", view.id],
    ["State", `${label.icon} ${label.text}`],
    ["In state for", view.since === null ? "—" : duration(now - view.since)],
    ["Since", view.since === null ? "—" : dateTime(view.since)],
    ["Power", watts(view.powerW)],
    ["Open failure", view.failure ? `⚑ ${view.failure}` : "none"],
    ["Errors, last hour", String(view.errorsHour)],
    ["Last error", extra?.lastError ?? view.lastError ?? "none"],
    ...(extra?.energyWh !== null && extra?.energyWh !== undefined
      ? [
        [
          "Energy",
          `${extra.energyWh.toLocaleString("en-US", { maximumFractionDigits: 1 })} Wh`,
        ] as [
          string,
          string,
        ],
      ]
      : []),
  ]);
  body.replaceChildren(dl);
  if (extra && extra.recentErrors.length > 0) {
    const h = document.createElement("h3");
    h.textContent = "Recent errors";
    const ul = document.createElement("ul");
    ul.className = "small";
    for (const text of extra.recentErrors) {
      const li = document.createElement("li");
      li.textContent = text;
      ul.append(li);
    }
    body.append(h, ul);
  }
}
