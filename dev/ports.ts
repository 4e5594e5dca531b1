/** Loopback ports: free ones for tests, and waiting for a server to listen. */

/**
 * Ports handed out below Linux's default ephemeral range (32768–60999). A port the kernel gave
 * to `listen(0)` is ephemeral, so between its check and the server's bind an outgoing connection
 * could take it as its local port: a nats-server's route port was lost that way beside stress-ng.
 * Outgoing connections never get a port from this range.
 */
const FIRST_PORT = 20_000;
const LAST_PORT = 32_000;
const handedOut = new Set<number>();

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now, never handed out before by this
 * process (so the servers of one stack never share one).
 */
export function freePort(): number {
  for (let attempt = 0; attempt < 1_000; attempt++) {
    const port = FIRST_PORT + Math.floor(Math.random() * (LAST_PORT - FIRST_PORT));
    if (handedOut.has(port)) continue;
    try {
      Deno.listen({ hostname: "127.0.0.1", port }).close();
    } catch {
      continue;
    }
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port between ${FIRST_PORT} and ${LAST_PORT} after 1,000 tries`);
}

/** Whether something accepts connections on 127.0.0.1:`port`. */
export async function isListening(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

/** Waits until `ready()` holds, polling every 50 ms, or throws after `timeoutMs`. */
export async function waitUntil(
  what: string,
  ready: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
