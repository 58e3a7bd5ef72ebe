import { compileCollection, getCollection, type CompiledCollection, type MappingCollection } from '../mapping/index.js';
import type { Queryable } from '../store/index.js';
import { collectionVersions } from './sql.js';

/**
 * The current version of the collections a job needs, compiled once per (collection, version).
 * One cheap query per lookup finds the current versions, so an edited mapping applies to the next
 * job with no cache delay.
 */
export interface LoadedCollection {
  collection: MappingCollection;
  compiled: CompiledCollection;
}

export class CollectionCache {
  private readonly compiled = new Map<string, LoadedCollection>();

  async find(
    q: Queryable,
    f: { subscriptionId: string; direction: 'TO_HUB' | 'FROM_HUB'; entity?: string; hubModel?: string; id?: string },
  ): Promise<LoadedCollection[]> {
    const versions = await collectionVersions(q, f);
    const out: LoadedCollection[] = [];
    for (const v of versions) {
      const key = `${v.id}:${v.version}`;
      let loaded = this.compiled.get(key);
      if (!loaded) {
        const collection = await getCollection(q, v.tenantId, v.id, v.version);
        loaded = { collection, compiled: compileCollection(collection) };
        if (this.compiled.size > 500) this.compiled.clear();
        this.compiled.set(key, loaded);
      }
      out.push(loaded);
    }
    return out;
  }
}

/**
 * The collection a record goes through when several match (by sort order): a deletion prefers a DELETE
 * collection, anything else prefers the non-DELETE ones.
 */
export function pickCollection(found: LoadedCollection[], change?: 'created' | 'updated' | 'deleted'): LoadedCollection | undefined {
  const wantDelete = change === 'deleted';
  return found.find((f) => (f.collection.syncType === 'DELETE') === wantDelete) ?? found[0];
}
