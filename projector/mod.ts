/**
 * The projector: pure projections from event batches to row changes, the batch writer that
 * commits them (into `public`, or any schema for a rebuild), the consumer loop, and the health
 * figures the API reports. Replay builds on `decodeBatch`, `commitBatch` with a `schema`,
 * `createSchemaLike` and `PROJECTIONS`; the API on `readProjectorHealth`.
 * @module
 */
export * from "./types.ts";
export { loadConfig, type ProjectorConfig, ProjectorEnv } from "./config.ts";
export { decodeBatch, type DecodeBatchOptions, MAX_ABS_WATTS } from "./decode_batch.ts";
export {
  type BatchChanges,
  eventsAfter,
  failureMachinesOf,
  projectBatch,
  type ProjectState,
  type RowsOf,
} from "./projections/batch.ts";
export { applyBatch, applyChanges, emptyViews, type MemoryViews } from "./projections/views.ts";
export * from "./projections/machines.ts";
export * from "./projections/state_changes.ts";
export * from "./projections/errors.ts";
export * from "./projections/power_minutes.ts";
export * from "./projections/sensor_readings.ts";
export * from "./projections/failures.ts";
export * from "./projections/xray_scans.ts";
export {
  CheckpointGapError,
  commitBatch,
  type CommitResult,
  writeChanges,
  type WriteOptions,
} from "./store/commit_batch.ts";
export { writeFailures, writeMachines, writePowerMinutes } from "./store/write_aggregates.ts";
export {
  writeDeadLetters,
  writeErrors,
  writeSensorReadings,
  writeStateChanges,
  writeXrayScans,
} from "./store/write_history.ts";
export { loadOngoingFailures, lockCheckpoints, saveCheckpoints } from "./store/checkpoints.ts";
export {
  checkSchemaName,
  createSchemaLike,
  dropSchema,
  LIVE_SCHEMA,
  type Queryable,
  READ_MODEL_TABLES,
  type ReadModelTable,
  tableIn,
} from "./store/schema.ts";
export { readViews } from "./store/read_views.ts";
export {
  type ProjectorHealth,
  type ProjectorStatus,
  readProjectorHealth,
  writeStatus,
} from "./store/status.ts";
export { migrate } from "./migrate.ts";
export { type RunOptions, runProjector } from "./runner.ts";
export { MessageBuffer, positionConsumer, toRawMessage } from "./consumer.ts";
