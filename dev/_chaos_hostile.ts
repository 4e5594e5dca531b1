/**
 * The hostile messages of `deno task chaos`: what a broken or malicious publisher could put on
 * the stream. Each says what the projector must do with it, so the report can check its fate.
 */
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import {
  decodeEvent,
  encodeEvent,
  MSG_ID_HEADER,
  sign,
  type SignalEvent,
  SIGNATURE_HEADER,
  STREAM_NAME,
  toNatsHeaders,
} from "../events/mod.ts";

const encoder = new TextEncoder();

/** One hostile message and what became of its publish. */
export interface HostileResult {
  kind: string;
  /** The stream sequence it was stored under, or undefined when the server refused it. */
  seq?: number;
  /** Why the server refused it. */
  refused?: string;
}

interface Hostile {
  kind: string;
  subject: string;
  bytes: Uint8Array;
  headers: Record<string, string>;
}

function powerEvent(machineId: string, sampleRateHz: number, watts: number[]): SignalEvent {
  return {
    id: crypto.randomUUID(),
    type: "power",
    v: 1,
    machineId,
    occurredAt: new Date().toISOString(),
    data: { sampleRateHz, watts },
  } as SignalEvent;
}

function signed(kind: string, event: SignalEvent, key: string): Hostile {
  const { subject, bytes, headers } = encodeEvent(event, { signingKey: key });
  return { kind, subject, bytes, headers };
}

function rawSigned(kind: string, subject: string, text: string, key: string): Hostile {
  const bytes = encoder.encode(text);
  return {
    kind,
    subject,
    bytes,
    headers: { [MSG_ID_HEADER]: crypto.randomUUID(), [SIGNATURE_HEADER]: sign(bytes, key) },
  };
}

/** A stored, valid event of the stream near `seq` (searching down), with its message. */
async function storedEvent(nc: NatsConnection, seq: number, key: string) {
  const jsm = await jetstreamManager(nc);
  for (let s = seq; s > 0 && s > seq - 200; s--) {
    const m = await jsm.streams.getMessage(STREAM_NAME, { seq: s }).catch(() => null);
    if (!m) continue;
    const headers: Record<string, string> = {};
    for (const [name, values] of m.header ?? []) headers[name] = values[0] ?? "";
    const decoded = decodeEvent(m.data, {
      subject: m.subject,
      header: (name) => headers[name],
      signingKey: key,
    });
    if (decoded.ok) return { event: decoded.event, subject: m.subject, bytes: m.data, headers };
  }
  return undefined;
}

/** The same event id with another, correctly signed body. */
function conflicting(event: SignalEvent): SignalEvent {
  const changed = structuredClone(event) as SignalEvent;
  switch (changed.type) {
    case "power":
      changed.data.watts = changed.data.watts.map((w) => w + 1);
      break;
    default:
      changed.occurredAt = new Date(Date.parse(changed.occurredAt) + 1).toISOString();
  }
  return changed;
}

/**
 * Builds the hostile messages: bad signature, bad JSON, unknown type, oversized (over the
 * server's payload limit and over the contract's bounds), extreme magnitudes, and, taken from
 * the stream near `nearSeq`, a replay under a new message id and a conflicting body, and near
 * `oldSeq` (older than the stream's duplicate window) a byte-for-byte copy, message id and all.
 */
export async function hostileMessages(
  nc: NatsConnection,
  options: { signingKey: string; nearSeq: number; oldSeq: number; machineId: string },
): Promise<Hostile[]> {
  const { signingKey: key, machineId } = options;
  const out: Hostile[] = [
    signed("bad_signature", powerEvent(machineId, 10, [100]), `${key}-wrong`),
    rawSigned("bad_json", `signals.power.${machineId}`, `{"type":"power",`, key),
    rawSigned(
      "unknown_type",
      `signals.teleport.${machineId}`,
      JSON.stringify({
        id: crypto.randomUUID(),
        type: "teleport",
        v: 1,
        machineId,
        occurredAt: new Date().toISOString(),
        data: {},
      }),
      key,
    ),
    rawSigned("oversized_payload", `signals.power.${machineId}`, "x".repeat(2 * 1024 * 1024), key),
    signed("oversized_event", powerEvent(machineId, 10, new Array(150_000).fill(1)), key),
    signed("extreme_rate", powerEvent(machineId, 1.0842022127501886e-7, [1_000_000]), key),
    signed("extreme_watts", powerEvent(machineId, 10, [1e300]), key),
  ];
  const old = await storedEvent(nc, options.oldSeq, key);
  if (old) out.push({ kind: "replay_byte_for_byte", ...old });
  const stored = await storedEvent(nc, options.nearSeq, key);
  if (stored) {
    out.push({
      kind: "replay_new_msg_id",
      subject: stored.subject,
      bytes: stored.bytes,
      headers: { ...stored.headers, [MSG_ID_HEADER]: crypto.randomUUID() },
    });
    const other = encodeEvent(conflicting(stored.event), { signingKey: key });
    out.push({
      kind: "conflicting_body",
      subject: other.subject,
      bytes: other.bytes,
      // A new message id, so JetStream's duplicate window does not hide it.
      headers: { ...other.headers, [MSG_ID_HEADER]: crypto.randomUUID() },
    });
  }
  return out;
}

/** Publishes each hostile message and records its sequence or the server's refusal. */
export async function publishHostile(
  nc: NatsConnection,
  messages: readonly Hostile[],
): Promise<HostileResult[]> {
  const js = jetstream(nc);
  const results: HostileResult[] = [];
  for (const m of messages) {
    try {
      const ack = await js.publish(m.subject, m.bytes, {
        headers: toNatsHeaders(m.headers),
        timeout: 10_000,
      });
      results.push(
        ack.duplicate
          ? { kind: m.kind, refused: `a duplicate of seq ${ack.seq} within the window` }
          : { kind: m.kind, seq: ack.seq },
      );
    } catch (error) {
      results.push({ kind: m.kind, refused: (error as Error).message });
    }
  }
  return results;
}
