/** How a service process is started, the same way by `deno task`, `deno task dev` and the bench. */

/**
 * V8 heap limits of each service. The default young generation grows to tens of MB per
 * semi-space under a high allocation rate, which doubled the resident memory of the producer and
 * projector without making them faster. The API's old space is smaller still: under 32
 * concurrent CSV exports V8 let it fill 128 MB before collecting, lifting the process to 220 MB,
 * while 64 MB served the same load as fast at 180 MB.
 */
export const SERVICE_V8_FLAGS = {
  producer: "--v8-flags=--max-old-space-size=128,--max-semi-space-size=8",
  projector: "--v8-flags=--max-old-space-size=128,--max-semi-space-size=8",
  api: "--v8-flags=--max-old-space-size=64,--max-semi-space-size=8",
  // A full rebuild of 1M events peaked at 285 MB with 128/8 and at 199 MB with 64/4 (2048-message
  // batches); the worker must stay under 250 MB.
  "replay-worker": "--v8-flags=--max-old-space-size=64,--max-semi-space-size=4",
} as const;

/** The services, each run under the permission set of the same name unless said otherwise. */
export const SERVICE_ENTRIES = {
  producer: "producer/main.ts",
  projector: "projector/main.ts",
  api: "api/main.ts",
  "replay-worker": "replay/main.ts",
} as const;

/** A service's name. */
export type ServiceName = keyof typeof SERVICE_ENTRIES;

/** Services run as another's task with arguments of their own: `deno task replay --worker`. */
const RUN_AS: Partial<Record<ServiceName, { permissions: string; args: string[] }>> = {
  "replay-worker": { permissions: "replay", args: ["--worker"] },
};

/** The `deno` arguments that run `name`. */
export function serviceArgs(name: ServiceName): string[] {
  return [
    "run",
    `-P=${RUN_AS[name]?.permissions ?? name}`,
    SERVICE_V8_FLAGS[name],
    SERVICE_ENTRIES[name],
    ...RUN_AS[name]?.args ?? [],
  ];
}
