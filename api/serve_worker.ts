/**
 * A worker isolate of the API (`API_WORKERS` above 1): reads the same configuration and serves
 * the same port as the main isolate until the main one posts "stop", then answers "stopped".
 * @module
 */
import { createLogger } from "../lib/mod.ts";
import { loadApiConfig } from "./config.ts";
import { serveApi } from "./serve.ts";

const config = loadApiConfig();
const logger = createLogger("api", config.logLevel);
const stop = new AbortController();
const scope = self as unknown as {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
};
scope.onmessage = (event) => {
  if (event.data === "stop") stop.abort();
};
await serveApi(config, {
  logger,
  signal: stop.signal,
  reusePort: true,
});
scope.postMessage("stopped");
scope.close();
