import { deepEqual } from "node:assert/strict";
import { memoryLogger } from "../testing/mod.ts";
import { AccessLog } from "./access_log.ts";

const request = (status: number) => ({
  requestId: "r",
  method: "GET",
  path: "/machines",
  route: "/machines",
  status,
  ms: 1.234,
});

Deno.test("the access log writes a line per request up to its rate, then counts", () => {
  const logger = memoryLogger("info");
  let now = Date.UTC(2026, 11, 3, 12, 0, 0);
  const log = new AccessLog(logger, 3, () => now);
  // given five 200s, a 404 and a 503 within one second
  for (let i = 0; i < 5; i++) log.record(request(200));
  log.record(request(404));
  log.record(request(503));
  // then three lines and the 503 are written one by one
  deepEqual(logger.lines.map((l) => [l.msg, l.fields?.status, l.fields?.ms]), [
    ["request", 200, 1.2],
    ["request", 200, 1.2],
    ["request", 200, 1.2],
    ["request", 503, 1.2],
  ]);
  // and the next second's first request brings the count of the rest
  now += 1000;
  log.record(request(200));
  deepEqual(logger.lines.slice(4).map((l) => [l.msg, l.fields]), [
    ["requests not logged one by one", {
      second: "2026-12-03T12:00:00.000Z",
      count: 3,
      byStatus: { 200: 2, 404: 1 },
    }],
    ["request", { ...request(200), ms: 1.2 }],
  ]);
});
