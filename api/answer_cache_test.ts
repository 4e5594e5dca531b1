import { deepEqual, equal, ok } from "node:assert/strict";
import { AnswerCache, type CachedAnswer } from "./answer_cache.ts";

function answer(bytes: number, fill = 1): CachedAnswer {
  return { body: new Uint8Array(bytes).fill(fill), headers: [], etag: '"e"', route: "/r" };
}

Deno.test("answer cache keeps answers of one version only", () => {
  const cache = new AnswerCache(1 << 20);
  // given an answer stored under version 1
  ok(cache.set("/a", "1", answer(10)));
  equal(cache.get("/a", "1")?.body.byteLength, 10);
  // when the version moves on, then it is gone, and so are the bytes it held
  equal(cache.get("/a", "2"), undefined);
  equal(cache.size, 0);
  equal(cache.bytes, 0);
  // and nothing stored under the new version is served for the old one
  ok(cache.set("/b", "2", answer(10)));
  equal(cache.get("/b", "1"), undefined);
});

Deno.test("answer cache stays within its byte bound, dropping the least recently used", () => {
  // given room for four answers of 1,500 bytes (each counted with its key and overhead)
  const cache = new AnswerCache(8192, 4096);
  for (let i = 0; i < 4; i++) ok(cache.set(`/${i}`, "v", answer(1500, i)));
  equal(cache.size, 4);
  // when /0 is read again and a fifth answer arrives
  ok(cache.get("/0", "v"));
  ok(cache.set("/4", "v", answer(1500, 4)));
  // then the least recently used one (/1) made room, not /0
  ok(cache.bytes <= 8192, `bytes ${cache.bytes}`);
  equal(cache.get("/1", "v"), undefined);
  deepEqual(["/0", "/2", "/3", "/4"].map((k) => cache.get(k, "v")?.body[0]), [0, 2, 3, 4]);
  // and however many more arrive, the bound holds
  for (let i = 5; i < 50; i++) ok(cache.set(`/${i}`, "v", answer(1500, i)));
  ok(cache.bytes <= 8192, `bytes ${cache.bytes}`);
  // and an answer larger than one entry may be is not kept at all
  equal(cache.set("/big", "v", answer(5000)), false);
  equal(cache.get("/big", "v"), undefined);
});

Deno.test("answer cache replaces an answer stored again under the same key", () => {
  const cache = new AnswerCache(1 << 20);
  ok(cache.set("/a", "v", answer(100, 1)));
  const bytes = cache.bytes;
  ok(cache.set("/a", "v", answer(100, 2)));
  equal(cache.bytes, bytes);
  equal(cache.get("/a", "v")?.body[0], 2);
});
