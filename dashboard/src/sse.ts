/**
 * `/stream` read with fetch rather than EventSource, because EventSource cannot send the
 * Authorization header a read key needs. Reconnects with backoff until closed.
 */
import { authHeaders } from "./api.ts";

/** Callbacks of {@linkcode openStream}. */
export interface StreamHandlers {
  onEvent(type: string, data: string): void;
  onStatus(status: "connecting" | "live" | "retrying", detail?: string): void;
}

/** Splits an SSE text buffer into complete events; returns them and the unfinished rest. */
export function parseSse(
  buffer: string,
): { events: { type: string; data: string }[]; rest: string } {
  const events: { type: string; data: string }[] = [];
  const blocks = buffer.replaceAll("\r\n", "\n").split("\n\n");
  const rest = blocks.pop() ?? "";
  for (const block of blocks) {
    let type = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) type = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    if (data.length > 0) events.push({ type, data: data.join("\n") });
  }
  return { events, rest };
}

/** Opens `/stream` (or `path`) and keeps it open; the returned function closes it. */
export function openStream(path: string, handlers: StreamHandlers): () => void {
  const abort = new AbortController();
  let attempt = 0;
  const run = async () => {
    while (!abort.signal.aborted) {
      handlers.onStatus(attempt === 0 ? "connecting" : "retrying");
      try {
        const response = await fetch(path, { headers: authHeaders(), signal: abort.signal });
        if (!response.ok || !response.body) throw new Error(`${response.status}`);
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          const parsed = parseSse(buffer);
          buffer = parsed.rest;
          for (const event of parsed.events) {
            if (event.type === "ready") {
              attempt = 0;
              handlers.onStatus("live");
            }
            handlers.onEvent(event.type, event.data);
          }
        }
      } catch (error) {
        if (abort.signal.aborted) return;
        handlers.onStatus("retrying", String((error as Error).message ?? error));
      }
      attempt++;
      const delay = Math.min(10_000, 500 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  };
  run();
  return () => abort.abort();
}
