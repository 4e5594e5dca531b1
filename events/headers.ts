/** Converting between a plain record of headers and nats.js `MsgHdrs`, in one place. */
import { headers as natsHeaders, type MsgHdrs } from "@nats-io/nats-core";

/** The NATS headers holding each entry of `record` (one value per name). */
export function toNatsHeaders(record: Readonly<Record<string, string>>): MsgHdrs {
  const headers = natsHeaders();
  for (const [name, value] of Object.entries(record)) headers.set(name, value);
  return headers;
}

/**
 * A plain record of `headers`, keeping the first value of a repeated name; `{}` when there are
 * none. Names keep the case they were sent with.
 */
export function fromNatsHeaders(headers: MsgHdrs | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  if (!headers) return record;
  for (const [name, values] of headers) record[name] = values[0] ?? "";
  return record;
}
