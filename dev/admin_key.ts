/** The admin key of `deno task dev`, kept in DATA_DIR so it stays the same across runs. */

/** The admin key and the file it is kept in. */
export interface AdminKey {
  key: string;
  path: string;
  /** True when this run generated the key. */
  created: boolean;
}

/**
 * Reads the admin key from `<dataDir>/admin_key`, or generates one and writes it there (mode
 * 0600), so curl commands and scripts written against one run keep working on the next.
 */
export async function loadOrCreateAdminKey(dataDir: string): Promise<AdminKey> {
  const path = `${dataDir}/admin_key`;
  try {
    const key = (await Deno.readTextFile(path)).trim();
    // API_KEYS refuses keys under 8 characters; a damaged file is replaced, not trusted.
    if (/^\w{8,}$/.test(key)) return { key, path, created: false };
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const key = crypto.randomUUID().replaceAll("-", "");
  await Deno.mkdir(dataDir, { recursive: true });
  await Deno.writeTextFile(path, `${key}\n`, { mode: 0o600 });
  return { key, path, created: true };
}
