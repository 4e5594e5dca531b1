/**
 * The event contract of the signal service: zod schemas of the envelope and the five signal
 * types, NATS subjects, the codec (encode, decode, sign, verify), NATS header conversion, JetStream error codes and the `SIGNALS` stream.
 * @module
 */
export * from "./schema.ts";
export * from "./subjects.ts";
export * from "./errors.ts";
export * from "./signing.ts";
export * from "./codec.ts";
export * from "./ids.ts";
export * from "./stream.ts";
export * from "./headers.ts";
export * from "./jetstream_errors.ts";
