/**
 * Whole answers kept in memory, bounded in bytes, valid for one version of the read models: the
 * first lookup or store under another version empties the cache, so nothing from before a
 * commit is ever served after it.
 */

/** A stored 200 answer: the encoded body and what a repeat needs to be answered from it. */
export interface CachedAnswer {
  body: Uint8Array<ArrayBuffer>;
  /** The route's own headers (content type, disposition), the ETag among them. */
  headers: [string, string][];
  etag: string;
  /** The route pattern that answered, for metrics and the access log. */
  route: string;
}

/** Bytes of answers the cache keeps when `API_CACHE_BYTES` is not set: 32 MiB. */
export const DEFAULT_CACHE_BYTES = 32 * 1024 * 1024;

// Bytes counted per entry beyond its body and key: the objects, the headers, the map slot.
const ENTRY_OVERHEAD = 512;

/** Answers by normalised request, least recently used dropped first once over `maxBytes`. */
export class AnswerCache {
  readonly #entries = new Map<string, CachedAnswer & { bytes: number }>();
  #bytes = 0;
  #version: string | undefined;

  /**
   * @param maxBytes bytes of bodies, keys and overhead kept at most (`API_CACHE_BYTES`)
   * @param maxEntryBytes the largest single answer kept. @default maxBytes / 4
   */
  constructor(readonly maxBytes: number, readonly maxEntryBytes = Math.floor(maxBytes / 4)) {}

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Answers held now. */
  get size(): number {
    return this.#entries.size;
  }

  /** The answer stored for `key` under `version`, if any. */
  get(key: string, version: string): CachedAnswer | undefined {
    this.#sync(version);
    const entry = this.#entries.get(key);
    if (entry) {
      // Map order is insertion order: re-inserting makes it the most recently used.
      this.#entries.delete(key);
      this.#entries.set(key, entry);
    }
    return entry;
  }

  /** Stores `answer` for `key` under `version`; false when it is too large to keep. */
  set(key: string, version: string, answer: CachedAnswer): boolean {
    this.#sync(version);
    const bytes = answer.body.byteLength + key.length * 2 + ENTRY_OVERHEAD;
    if (bytes > this.maxEntryBytes || bytes > this.maxBytes) return false;
    this.#drop(key);
    this.#entries.set(key, { ...answer, bytes });
    this.#bytes += bytes;
    for (const oldest of this.#entries.keys()) {
      if (this.#bytes <= this.maxBytes) break;
      this.#drop(oldest);
    }
    return true;
  }

  /** Empties the cache. */
  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  #drop(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }

  #sync(version: string): void {
    if (version === this.#version) return;
    this.clear();
    this.#version = version;
  }
}
