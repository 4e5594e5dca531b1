import { deepEqual } from "node:assert/strict";
import { parseWrk } from "./wrk.ts";

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
  });
});
