/** Row 5: peak memory of each service, beside a Hono server answering a constant body. */
import type { BenchContext } from "./context.ts";
import type { BenchRow } from "./table.ts";

const MB = 1024 * 1024;

/**
 * Stops the services still running (the projector) and turns every peak the run recorded, and
 * every one it should have recorded, into a row; a peak never read is a row with no samples.
 */
export async function memoryRows(context: BenchContext): Promise<BenchRow[]> {
  for (const [name, service] of context.services) {
    context.peaks.set(name, await service.stop());
    context.services.delete(name);
  }
  const expected = [`producer at ${context.sizes.memoryFleet} machines`, "projector", "API"];
  const baseline = context.baselines.honoConstantRss;
  return expected.map((name, index) => {
    const peak = context.peaks.get(name) ?? { bytes: 0, readings: 0 };
    return {
      id: `5${String.fromCharCode(97 + index)}`,
      what: `Peak RSS: ${name}`,
      value: peak.bytes / MB,
      unit: "MB",
      basis: { kind: "peak memory", count: peak.readings, of: "readings" },
      baseline: baseline && baseline.readings > 0 ? baseline.bytes / MB : undefined,
      baselineWhat: "Hono constant JSON server under wrk",
      target: "< 200 MB",
      targetMet: peak.bytes / MB < 200,
    };
  });
}
