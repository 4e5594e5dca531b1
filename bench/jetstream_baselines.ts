/** Raw JetStream baselines: a plain acked publish loop and a plain ordered-consumer read. */
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { decodeEvent, type EncodedEvent, STREAM_NAME, toNatsHeaders } from "../events/mod.ts";

/** Publishes `events` with at most `window` unacknowledged publishes; returns events/s. */
export async function plainPublishLoop(
  nc: NatsConnection,
  events: EncodedEvent[],
  window: number,
): Promise<number> {
  const js = jetstream(nc);
  let inFlight = 0;
  let wake: (() => void) | undefined;
  const started = performance.now();
  for (const event of events) {
    inFlight++;
    js.publish(event.subject, event.bytes, {
      headers: toNatsHeaders(event.headers),
      timeout: 30_000,
    }).finally(() => {
      inFlight--;
      wake?.();
    });
    // A plain counter and one waiter: Promise.race over the window would cost O(window) a publish.
    while (inFlight >= window) await new Promise<void>((resolve) => (wake = resolve));
  }
  while (inFlight > 0) await new Promise<void>((resolve) => (wake = resolve));
  return events.length / ((performance.now() - started) / 1000);
}

/** Reads the first `count` events of the stream with an ordered consumer and decodes each. */
export async function orderedReadAndDecode(nc: NatsConnection, count: number): Promise<number> {
  const js = jetstream(nc);
  const consumer = await js.consumers.get(STREAM_NAME);
  const started = performance.now();
  const messages = await consumer.consume({ max_messages: 4096 });
  let read = 0;
  let invalid = 0;
  for await (const message of messages) {
    if (!decodeEvent(message.data).ok) invalid++;
    if (++read >= count) break;
  }
  await messages.close();
  if (invalid > 0) throw new Error(`${invalid} of ${read} events failed to decode`);
  return read / ((performance.now() - started) / 1000);
}
