/**
 * The producer: seeded, pure simulation models of machines (state, errors, 100 Hz power,
 * multi-sensor readings with failures) and x-ray devices, a deterministic event generator for a
 * fleet over a time window ({@linkcode generateEvents}, no NATS needed — for tests and
 * benchmarks), and {@linkcode runProducer}, which publishes a simulation to JetStream exactly
 * once and resolves with counts.
 * @module
 */
export {
  DEFAULT_FLEET,
  type FleetConfig,
  fleetConfig,
  generateEvents,
  machineIds,
  type TimeWindow,
  xrayDeviceIds,
} from "./fleet.ts";
export { type RunOptions, runProducer } from "./run.ts";
export {
  DEFAULT_PRODUCER_CONFIG,
  fleetOf,
  type ProducerConfig,
  resolveWindow,
} from "./settings.ts";
export { type ProducerCounts, ProducerStats } from "./stats.ts";
export { Publisher, type PublisherOptions } from "./publisher.ts";
export { loadProducerConfig, ProducerEnv, type ProducerSettings } from "./config.ts";
export {
  DEFAULT_SENSOR_PROFILE,
  learnSensorProfile,
  loadSensorProfile,
  SAMPLE_SENSOR_FILE,
  type SensorProfile,
  sensorProfileFor,
  type SensorStats,
} from "./sensor_profile.ts";
export { DEFAULT_FAILURE, type FailureConfig } from "./sensor_model.ts";
export { ERROR_CATALOGUE } from "./error_catalogue.ts";
export { POWER_SAMPLE_RATE_HZ } from "./power_model.ts";
export { createRandom, deriveSeed } from "./random.ts";
