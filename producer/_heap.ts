/** A binary min-heap of sources ordered by next tick time, then by a fixed rank for ties. */
import type { Source } from "./_source.ts";

interface Entry {
  source: Source;
  rank: number;
}

function before(a: Entry, b: Entry): boolean {
  return a.source.at < b.source.at || (a.source.at === b.source.at && a.rank < b.rank);
}

/** Sources due soonest first; ties go to the lower rank so the order is deterministic. */
export class SourceHeap {
  #items: Entry[] = [];

  get size(): number {
    return this.#items.length;
  }

  push(source: Source, rank: number): void {
    const items = this.#items;
    items.push({ source, rank });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): Entry | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < items.length && before(items[l]!, items[m]!)) m = l;
        if (r < items.length && before(items[r]!, items[m]!)) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m]!, items[i]!];
        i = m;
      }
    }
    return top;
  }
}
