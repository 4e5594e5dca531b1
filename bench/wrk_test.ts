import { deepEqual, equal } from "node:assert/strict";
import { nextWrkSeconds, parseWrk } from "./wrk.ts";

Deno.test("parseWrk reads throughput, percentiles and errors from wrk's report", () => {
  const output = `Running 10s test @ http://127.0.0.1:8080/health
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.20ms  300.00us   9.00ms   90.00%
  Latency Distribution
     50%  850.00us
     75%    1.10ms
     90%    1.50ms
     99%   12.34ms
  123456 requests in 10.00s, 20.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:  12345.60
Transfer/sec:      2.00MB
`;
  deepEqual(parseWrk(output), {
    requestsPerSec: 12345.6,
    p50Ms: 0.85,
    p99Ms: 12.34,
    requests: 123456,
    errors: 7,
    timeouts: 1,
  });
});

Deno.test("wrk runs again for longer until it completes the requests a row needs", async (t) => {
  await t.step("enough requests: no second run", () => {
    equal(nextWrkSeconds({ seconds: 3, requests: 6000 }, 200, 60), undefined);
  });
  await t.step("none completed (a 5 s export in a 3 s run): four times as long", () => {
    equal(nextWrkSeconds({ seconds: 3, requests: 0 }, 100, 60), 12);
  });
  await t.step(
    "some completed: long enough for the minimum at the rate seen, with a margin",
    () => {
      equal(nextWrkSeconds({ seconds: 10, requests: 53 }, 200, 90), 48);
    },
  );
  await t.step("never longer than the longest run allowed, and never again after it", () => {
    equal(nextWrkSeconds({ seconds: 10, requests: 1 }, 200, 60), 60);
    equal(nextWrkSeconds({ seconds: 60, requests: 150 }, 200, 60), undefined);
  });
  await t.step("always noticeably longer than the last run", () => {
    equal(nextWrkSeconds({ seconds: 10, requests: 190 }, 200, 60), 15);
  });
});
