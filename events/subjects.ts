/** NATS subjects of the signal stream: `signals.<type>.<machineId>`. */
import type { SignalEvent, SignalType } from "./schema.ts";

/** The prefix every signal subject starts with. */
export const SUBJECT_PREFIX = "signals";
/** The wildcard subject that covers every signal. */
export const ALL_SIGNALS = `${SUBJECT_PREFIX}.>`;

/** The subject an event is published on. */
export function subjectOf(event: Pick<SignalEvent, "type" | "machineId">): string {
  return `${SUBJECT_PREFIX}.${event.type}.${event.machineId}`;
}

/** A subscription filter for one type and/or one machine; omitted parts match anything. */
export function subjectFilter(filter: { type?: SignalType; machineId?: string } = {}): string {
  return `${SUBJECT_PREFIX}.${filter.type ?? "*"}.${filter.machineId ?? "*"}`;
}

/** Splits a signal subject into its type and machine tokens, or null when it is not one. */
export function parseSubject(subject: string): { type: string; machineId: string } | null {
  const parts = subject.split(".");
  if (parts.length !== 3 || parts[0] !== SUBJECT_PREFIX) return null;
  return { type: parts[1]!, machineId: parts[2]! };
}
