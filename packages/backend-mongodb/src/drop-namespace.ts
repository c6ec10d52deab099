import type { Db } from 'mongodb';

/** Drop every collection of a wrkr namespace (tests, teardown). */
export async function dropNamespace(db: Db, namespace: string): Promise<void> {
  const prefix = `${namespace}.`;
  const all = await db.listCollections({}, { nameOnly: true }).toArray();
  await Promise.all(all.filter((c) => c.name.startsWith(prefix)).map((c) => db.dropCollection(c.name)));
}
