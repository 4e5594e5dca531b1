/** Connecting to NATS the way every service should: retry at start, reconnect forever after. */
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/nats-core";
import type { Logger } from "./log.ts";
import { natsServers } from "./nats_urls.ts";

/** Options of {@linkcode connectNats}. */
export interface ConnectNatsOptions {
  /** Connection name shown by the server. */
  name: string;
  logger?: Logger;
}

/**
 * Connects to `url` (one server or a comma-separated list: any reachable one will do), waiting for
 * a server if none is up yet, and reconnecting forever.
 */
export async function connectNats(
  url: string,
  options: ConnectNatsOptions,
): Promise<NatsConnection> {
  const nc = await connect({
    servers: natsServers(url),
    name: options.name,
    waitOnFirstConnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 250,
    pingInterval: 10_000,
  });
  if (options.logger) logStatus(nc, options.logger);
  return nc;
}

async function logStatus(nc: NatsConnection, logger: Logger): Promise<void> {
  let connected = true;
  for await (const status of nc.status()) {
    if (status.type === "disconnect" && connected) {
      connected = false;
      logger.warn("nats disconnected; reconnecting");
    } else if (status.type === "reconnect") {
      connected = true;
      logger.info("nats reconnected");
    }
  }
}
