/**
 * The version of the read models the answer cache keys on: a token that changes whenever a read
 * model may have changed, and is undefined whenever that cannot be known (then nothing is cached
 * or served from the cache). On the primary it follows PostgreSQL notifications sent by every
 * commit that moves the live checkpoints (migration 008), on a connection of its own.
 */
import postgres, { type Sql } from "postgres";
import { backoffDelay, type Logger, sleep } from "../lib/mod.ts";

/** Where the read models are at, as far as this process can tell. */
export interface ReadModelVersion {
  /** A token that changes with every commit of the read models; undefined while unknown. */
  current(): string | undefined;
  /** Stops watching and closes its connection. */
  stop(): Promise<void>;
}

/** The channel migration 008's trigger notifies on every change of the live checkpoints. */
export const READ_MODELS_CHANNEL = "read_models";

/** Options of {@linkcode listenForCommits}. */
export interface ListenOptions {
  logger?: Logger;
  /** How long opening the connection may take, in ms. @default 2000 */
  connectTimeoutMs?: number;
  /** Interval of the liveness ping on the listening connection, in ms. @default 1000 */
  pingMs?: number;
  /** Longest wait between reconnection attempts, in ms. @default 2000 */
  maxBackoffMs?: number;
}

// postgres.js passes `onnotify` to its connections without typing it, and types no `null` for
// the lifetimes it accepts null for (never recycle the connection).
type ListenerOptions = postgres.Options<Record<string, never>>;

/**
 * LISTENs on {@linkcode READ_MODELS_CHANNEL} over a dedicated connection. The version is
 * `epoch:count`: each notification bumps the count; each new connection starts a new epoch, since
 * notifications sent while it was down are lost. Between a close and the next LISTEN the version
 * is undefined. A ping finds a connection that died without closing.
 */
export function listenForCommits(url: string, options: ListenOptions = {}): ReadModelVersion {
  const stopped = new AbortController();
  let epoch = 0;
  let count = 0;
  let up = false;
  let conn: Sql | undefined;
  const open = (closed: () => void) =>
    postgres(url, {
      max: 1,
      idle_timeout: null,
      max_lifetime: null,
      fetch_types: false,
      onnotice: () => {},
      connect_timeout: (options.connectTimeoutMs ?? 2000) / 1000,
      connection: { application_name: "signals-api-listen", statement_timeout: 2000 },
      onclose: closed,
      onnotify: (channel: string) => {
        if (channel === READ_MODELS_CHANNEL) count++;
      },
    } as unknown as ListenerOptions);

  const session = async (): Promise<void> => {
    let lost!: () => void;
    const closed = new Promise<void>((resolve) => lost = resolve);
    const onClose = () => {
      up = false;
      lost();
    };
    conn = open(onClose);
    await conn.unsafe(`LISTEN ${READ_MODELS_CHANNEL}`);
    epoch++;
    count = 0;
    up = true;
    options.logger?.info("listening for read model commits");
    while (up && !stopped.signal.aborted) {
      await Promise.race([closed, sleep(options.pingMs ?? 1000, stopped.signal)]);
      if (!up || stopped.signal.aborted) break;
      await conn`SELECT 1`;
    }
  };

  const loop = async () => {
    let failures = 0;
    while (!stopped.signal.aborted) {
      try {
        await session();
        failures = 0;
      } catch (error) {
        if (!stopped.signal.aborted && failures === 0) {
          options.logger?.warn("read model notifications lost; answer cache bypassed", { error });
        }
        failures++;
      }
      up = false;
      await conn?.end({ timeout: 0 }).catch(() => {});
      conn = undefined;
      if (stopped.signal.aborted) break;
      await sleep(
        backoffDelay(failures, { baseMs: 50, maxMs: options.maxBackoffMs ?? 2000 }),
        stopped.signal,
      );
    }
  };
  const running = loop();
  return {
    current: () => up ? `${epoch}:${count}` : undefined,
    async stop() {
      stopped.abort();
      up = false;
      await conn?.end({ timeout: 0 }).catch(() => {});
      await running;
    },
  };
}
