/** In-process metrics rendered in the Prometheus text format. */
import type { CacheCounts } from "./cached_answers.ts";

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) =>
    `${k}="${v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`
  );
  return parts.length ? `{${parts.join(",")}}` : "";
}

/** A gauge that can go up and down. */
export class Gauge {
  #value = 0;
  constructor(readonly name: string, readonly help: string) {}
  /** Adds `delta` (may be negative). */
  add(delta: number): void {
    this.#value += delta;
  }
  /** The current value. */
  get value(): number {
    return this.#value;
  }
  /** Prometheus text lines. */
  render(): string {
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} gauge\n${this.name} ${this.#value}\n`;
  }
}

/** Latency buckets in seconds. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** HTTP request counts by route and status, and a latency histogram by route. */
export class HttpMetrics {
  #counts = new Map<string, { labels: Labels; value: number }>();
  #histograms = new Map<
    string,
    { labels: Labels; buckets: number[]; sum: number; count: number }
  >();

  /** Records one finished request. */
  observe(route: string, method: string, status: number, seconds: number): void {
    // Plain keys: the label text is only built for a series' first request.
    const hKey = `${route} ${method}`;
    const key = `${hKey} ${status}`;
    let counter = this.#counts.get(key);
    if (!counter) {
      counter = { labels: { route, method, status: String(status) }, value: 0 };
      this.#counts.set(key, counter);
    }
    counter.value++;
    let histogram = this.#histograms.get(hKey);
    if (!histogram) {
      histogram = {
        labels: { route, method },
        buckets: LATENCY_BUCKETS.map(() => 0),
        sum: 0,
        count: 0,
      };
      this.#histograms.set(hKey, histogram);
    }
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
      if (seconds <= LATENCY_BUCKETS[i]!) histogram.buckets[i]!++;
    }
    histogram.sum += seconds;
    histogram.count++;
  }

  /** Prometheus text lines. */
  render(): string {
    let out = "# HELP http_requests_total HTTP requests by route, method and status\n" +
      "# TYPE http_requests_total counter\n";
    for (const { labels, value } of this.#counts.values()) {
      out += `http_requests_total${labelText(labels)} ${value}\n`;
    }
    out += "# HELP http_request_duration_seconds Latency of HTTP requests by route\n" +
      "# TYPE http_request_duration_seconds histogram\n";
    for (const h of this.#histograms.values()) {
      LATENCY_BUCKETS.forEach((le, i) => {
        out += `http_request_duration_seconds_bucket${labelText({ ...h.labels, le: String(le) })} ${
          h.buckets[i]
        }\n`;
      });
      out += `http_request_duration_seconds_bucket${
        labelText({ ...h.labels, le: "+Inf" })
      } ${h.count}\n`;
      out += `http_request_duration_seconds_sum${labelText(h.labels)} ${h.sum}\n`;
      out += `http_request_duration_seconds_count${labelText(h.labels)} ${h.count}\n`;
    }
    return out;
  }
}

/** All metrics of one app. */
export interface Metrics {
  http: HttpMetrics;
  sseClients: Gauge;
  sseSubscriptions: Gauge;
  /** Answers from the cache (`api/cached_answers.ts`). */
  cache: CacheCounts;
}

/** Fresh metrics. */
export function createMetrics(): Metrics {
  return {
    http: new HttpMetrics(),
    sseClients: new Gauge("api_sse_clients", "Open /stream connections"),
    sseSubscriptions: new Gauge("api_sse_subscriptions", "NATS subscriptions held for /stream"),
    cache: { hits: 0, misses: 0, bypassed: 0, stored: 0 },
  };
}

/** The answer cache's counters as Prometheus text lines. */
export function cacheLines(counts: CacheCounts): string {
  let out = "# HELP api_cache_answers_total Cacheable reads by outcome\n" +
    "# TYPE api_cache_answers_total counter\n";
  for (const outcome of ["hits", "misses", "bypassed", "stored"] as const) {
    out += `api_cache_answers_total{outcome="${outcome}"} ${counts[outcome]}\n`;
  }
  return out;
}

/** A gauge line for a value computed at scrape time; NaN when unknown. */
export function gaugeLines(name: string, help: string, values: [Labels, number | null][]): string {
  let out = `# HELP ${name} ${help}\n# TYPE ${name} gauge\n`;
  for (const [labels, value] of values) {
    out += `${name}${labelText(labels)} ${value === null ? "NaN" : value}\n`;
  }
  return out;
}
