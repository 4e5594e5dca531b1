import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { CSV_BATCH, csvResponse, wantsCsv } from "./csv.ts";

function source(n: number) {
  const rows = Array.from(
    { length: n },
    (_, i) => ({ id: i, note: i % 7 === 0 ? 'a,"b"\nc' : `r${i}` }),
  );
  const calls: number[] = [];
  return {
    calls,
    fetch: (after: number | undefined, limit: number) => {
      calls.push(limit);
      const start = after === undefined ? 0 : after + 1;
      return Promise.resolve(rows.slice(start, start + limit));
    },
    keyOf: (row: { id: number }) => row.id,
    columns: ["id", "note"],
    toCells: (row: { id: number; note: string }) => [row.id, row.note],
  };
}

Deno.test("CSV export streams every row once, batch after batch", async (t) => {
  await t.step("all rows across several batches, quoting intact", async () => {
    // Two full batches and a partial one, which ends the export without another query.
    const total = CSV_BATCH * 2 + CSV_BATCH / 2;
    const src = source(total);
    const res = await csvResponse(src);
    const rows = parse(await res.text(), { columns: true }) as { id: string; note: string }[];
    assert.equal(rows.length, total);
    assert.deepEqual(rows.map((r) => Number(r.id)), rows.map((_, i) => i));
    assert.equal(rows[7]!.note, 'a,"b"\nc');
    assert.equal(src.calls.length, 3);
  });
  await t.step("a start key and a limit", async () => {
    const rows = parse(
      await (await csvResponse({ ...source(5000), after: 9, limit: 1500 })).text(),
      {
        columns: true,
      },
    ) as { id: string }[];
    assert.equal(rows.length, 1500);
    assert.equal(rows[0]!.id, "10");
    assert.equal(rows.at(-1)!.id, "1509");
  });
  await t.step("an empty selection is just the header", async () => {
    assert.equal(await (await csvResponse(source(0))).text(), "id,note\n");
  });
  await t.step("a client that leaves stops the fetching", async () => {
    const src = source(CSV_BATCH * 10);
    const res = await csvResponse(src);
    const reader = res.body!.getReader();
    await reader.read();
    await reader.read();
    await reader.cancel();
    assert.ok(src.calls.length <= 3, `fetched ${src.calls.length} batches`);
  });
});

Deno.test("CSV is chosen by format=csv or by Accept", () => {
  assert.equal(wantsCsv("csv", undefined), true);
  assert.equal(wantsCsv(undefined, "text/csv"), true);
  assert.equal(wantsCsv(undefined, "application/json, text/csv;q=0.5"), true);
  assert.equal(wantsCsv("json", "text/csv"), false);
  assert.equal(wantsCsv(undefined, "text/csvx"), false);
  assert.equal(wantsCsv(undefined, undefined), false);
});
