/**
 * The projector: one definition per read model (events handled, pure fold, merge law, SQL
 * writer, shadow seeding, reader) listed in a registry, the batch writer that commits a batch
 * into `public` (or any schema, for a rebuild), the consumer loop, and the health figures the API
 * reports. Replay builds on `decodeBatch`, `projectBatch`, `writeChanges`, the registry and the
 * definitions' seeding; the API on `readProjectorHealth` and `PROJECTIONS`.
 * @module
 */
export * from "./types.ts";
export * from "./projection.ts";
export * from "./registry.ts";
export * from "./event_ledger.ts";
export { loadProjectorConfig, type ProjectorConfig, ProjectorEnv } from "./config.ts";
export { decodeBatch, type DecodeBatchOptions, MAX_ABS_WATTS } from "./decode_batch.ts";
export {
  type BatchChanges,
  carriedKeysOf,
  type ChangedRows,
  eventsAfter,
  handledBy,
  projectBatch,
  type ProjectState,
} from "./projections/batch.ts";
export {
  applyBatch,
  applyChanges,
  emptyViews,
  type MemoryTable,
  type MemoryViews,
  tableOf,
} from "./projections/views.ts";
export * from "./projections/machines.ts";
export * from "./projections/state_changes.ts";
export * from "./projections/errors.ts";
export * from "./projections/error_minutes.ts";
export * from "./projections/power_minutes.ts";
export * from "./projections/sensor_readings.ts";
export * from "./projections/failures.ts";
export * from "./projections/xray_scans.ts";
export {
  applyEventLedger,
  CheckpointGapError,
  commitBatch,
  type CommitResult,
  loadCarried,
  writeChanges,
  type WriteOptions,
} from "./store/commit_batch.ts";
export { commitBatchIsolating, isDataError } from "./store/isolate.ts";
export { readDeadLetters, writeDeadLetters } from "./store/dead_letters.ts";
export { type LedgerFallback, readEventIds, recordEventIds } from "./store/event_ids.ts";
export {
  lockCheckpoints,
  lowestCheckpoint,
  readCheckpoints,
  saveCheckpoints,
} from "./store/checkpoints.ts";
export { col, iso, num } from "./store/columns.ts";
export {
  BOOKKEEPING_TABLES,
  checkSchemaName,
  createSchemaLike,
  dropSchema,
  LIVE_SCHEMA,
  type Queryable,
  tableIn,
} from "./store/schema.ts";
export { readViews } from "./store/read_views.ts";
export * from "./partitions.ts";
export {
  liveUnitNames,
  liveUnitsOf,
  readPartitions,
  recordPartitions,
} from "./store/partitions.ts";
export {
  type ProjectorHealth,
  type ProjectorStatus,
  readProjectorHealth,
  writeStatus,
} from "./store/status.ts";
export { migrate } from "./migrate.ts";
export { type RunOptions, runProjector } from "./runner.ts";
export { MessageBuffer, positionConsumer, toRawMessage } from "./consumer.ts";
export { type LiveWorker, readLiveWorkers } from "./leases/store.ts";
