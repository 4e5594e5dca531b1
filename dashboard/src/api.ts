/** HTTP to the API from the page: the key from session storage, JSON, paging through cursors. */

const KEY_NAME = "signals.apiKey";

/** The API key typed into the page; kept in session storage only, never in local storage. */
export function apiKey(): string | null {
  return sessionStorage.getItem(KEY_NAME);
}

/** Remembers `key` for this tab's session, or forgets it when empty. */
export function setApiKey(key: string): void {
  if (key) sessionStorage.setItem(KEY_NAME, key);
  else sessionStorage.removeItem(KEY_NAME);
}

/** A non-2xx answer, with the problem's detail when the API gave one. */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(readonly status: number, detail: string) {
    super(detail);
  }
}

/** Request headers with the key, when one is set. */
export function authHeaders(): Record<string, string> {
  const key = apiKey();
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** GETs `path` and parses JSON; throws HttpError with the problem's detail on failure. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, { headers: authHeaders(), signal });
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    try {
      const problem = await response.json();
      if (typeof problem?.detail === "string") detail = problem.detail;
    } catch {
      // Not a problem body; the status line says enough.
    }
    throw new HttpError(response.status, detail);
  }
  return await response.json() as T;
}

/** Every row of a keyset-paged list, following `next` up to `maxPages` pages. */
export async function getAll<T>(path: string, maxPages = 20): Promise<T[]> {
  const rows: T[] = [];
  let url = path;
  for (let page = 0; page < maxPages; page++) {
    const body = await getJson<{ data: T[]; next: string | null }>(url);
    rows.push(...body.data);
    if (!body.next) break;
    url = `${path}${path.includes("?") ? "&" : "?"}cursor=${encodeURIComponent(body.next)}`;
  }
  return rows;
}

/** A query string from defined values; arrays repeat the key. */
export function query(params: Record<string, string | number | string[] | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) search.append(key, String(v));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
