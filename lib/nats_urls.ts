/**
 * `NATS_URL` as a comma-separated list of servers, the one parser every service uses: a cluster is
 * reached through any of its nodes, so a client given all of them survives the loss of one.
 */
import { z } from "zod";

/** The servers of a `NATS_URL` list, trimmed, in the order given. */
export function natsServers(list: string): string[] {
  return list.split(",").map((entry) => entry.trim());
}

/** Why `entry` is not a server URL with one of `protocols`, or undefined when it is one. */
function entryProblem(entry: string, protocols: string[]): string | undefined {
  const expected = `a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}`;
  if (entry === "") return `is empty, expected ${expected}`;
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return `is not ${expected}`;
  }
  if (!protocols.includes(url.protocol)) return `is not ${expected}`;
  if (url.hostname === "") return "has no host";
  if (url.pathname !== "" && url.pathname !== "/") return "has a path; give host and port only";
  return undefined;
}

/**
 * An optional `NATS_URL` variable: one server URL or several separated by commas. A bad entry is
 * named in the message, with its position: `entry 2 of 3 ("nats//b:4222") is not a URL …`.
 * The value stays the (trimmed) list as a string; {@linkcode natsServers} splits it.
 */
export function natsUrlList(protocols: string[]) {
  return z.string().transform((value, ctx) => {
    const entries = natsServers(value);
    for (const [i, entry] of entries.entries()) {
      const problem = entryProblem(entry, protocols);
      if (!problem) continue;
      const where = entries.length > 1 ? `entry ${i + 1} of ${entries.length} ` : "";
      ctx.addIssue({ code: "custom", message: `${where}${JSON.stringify(entry)} ${problem}` });
      return z.NEVER;
    }
    return entries.join(",");
  }).optional();
}
