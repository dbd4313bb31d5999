/**
 * Writes a batch as a sequence of single inserts would have, in one multi-row
 * `INSERT … ON CONFLICT DO NOTHING RETURNING`: only the first entry of each key is written (a
 * later one with the same key would have found the first's row), and each entry learns whether
 * its own row was written.
 *
 * `insert` writes the entries it is given and answers the keys of the rows it wrote (a row whose
 * key was already stored is skipped). The answer is in the entries' order.
 */
export async function insertFirstOfEachKey<T>(
  entries: readonly T[],
  keyOf: (entry: T) => string,
  insert: (firsts: T[]) => Promise<string[]>,
): Promise<boolean[]> {
  const keys = entries.map(keyOf);
  // The index of each key's first entry.
  const firsts = new Map<string, number>();
  keys.forEach((key, index) => {
    if (!firsts.has(key)) firsts.set(key, index);
  });
  const written = new Set(await insert([...firsts.values()].map((index) => entries[index] as T)));
  return keys.map((key, index) => firsts.get(key) === index && written.has(key));
}
