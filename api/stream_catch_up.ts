/** Sends a resumed `/stream` client what it missed, from the log, before it goes live. */
import type { NatsConnection } from "@nats-io/nats-core";
import { jetstream } from "@nats-io/jetstream";
import { STREAM_NAME } from "../events/mod.ts";
import type { SseClient } from "./sse_client.ts";
import { decodeStored } from "./stream_frame.ts";

/** Options of {@linkcode catchUp}. */
export interface CatchUpOptions {
  /** First sequence to send. */
  fromSeq: number;
  /** Last sequence to send; the hub delivers what follows. */
  toSeq: number;
  signingKey?: string;
  /** How long a client may leave its queue full before it is cut off. @default 10000 */
  stallMs?: number;
}

/** Queues the stored events `fromSeq..toSeq` that the client accepts, paced by its reading. */
export async function catchUp(
  nats: NatsConnection,
  client: SseClient,
  options: CatchUpOptions,
): Promise<void> {
  const { fromSeq, toSeq } = options;
  if (fromSeq > toSeq) return;
  const consumer = await jetstream(nats).consumers.get(STREAM_NAME, { opt_start_seq: fromSeq });
  try {
    let next = fromSeq;
    while (next <= toSeq && !client.ended) {
      const want = Math.min(256, toSeq - next + 1);
      const batch = await consumer.fetch({ max_messages: want, expires: 2000 });
      let got = 0;
      for await (const msg of batch) {
        got++;
        next = msg.seq + 1;
        if (msg.seq > toSeq) break;
        const frame = decodeStored(msg, options.signingKey);
        if (frame) client.accepts(frame) && client.queueStored(frame);
      }
      // An empty fetch means the rest was removed from the stream meanwhile; nothing more to send.
      if (got === 0) return;
      if (!await client.drained(options.stallMs ?? 10_000)) return;
    }
  } finally {
    await consumer.delete().catch(() => {});
  }
}
