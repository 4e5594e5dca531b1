/** Runs `deno task dev --cluster` as a child process for tests, as a new user would start it. */
import { equal } from "node:assert/strict";
import { type SpawnedService, spawnService } from "../testing/mod.ts";
import { freePort, isListening, waitUntil } from "./ports.ts";

/** `deno task dev --cluster` as a child process, with a small fleet. */
export function startClusterDev(env: Record<string, string>): SpawnedService {
  return spawnService("dev/main.ts", {
    permissions: "dev",
    args: ["--cluster"],
    env: { ...env, MACHINES: "3", LOG_LEVEL: "warn" },
  });
}

/** The admin key the run printed, once it has. */
export const apiKeyOf = (run: SpawnedService) => /API key: (\w+)/.exec(run.output())?.[1];

/** GETs `url` (with a bearer `key`) and parses the JSON body. */
export async function getJson(
  url: string,
  key?: string,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  return { status: response.status, body: await response.json() };
}

/** Ctrl-C: it must exit 0, within `timeoutMs`. */
export async function stopDev(run: SpawnedService, timeoutMs = 10_000): Promise<void> {
  run.child.kill("SIGINT");
  await waitUntil("dev to stop", () => Promise.resolve(run.exitCode() !== undefined), timeoutMs);
  equal(run.exitCode(), 0, run.output());
}

/** Reads as a new user would, with plain curl: reads are open under `deno task dev`. */
export async function powerRows(url: string): Promise<unknown[]> {
  const { status, body } = await getJson(`${url}/signals/power/latest`);
  if (status !== 200) return [];
  const rows = (body as { data?: unknown[] }).data ?? body;
  return Array.isArray(rows) ? rows : [];
}

/** The first of `count` consecutive free loopback ports (a cluster takes port, +1, +2). */
export async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = freePort();
    if (first + count > 65535) continue;
    const taken = await Promise.all(
      Array.from({ length: count }, (_, i) => isListening(first + i)),
    );
    if (!taken.some(Boolean)) return first;
  }
  throw new Error(`No run of ${count} free ports found`);
}
