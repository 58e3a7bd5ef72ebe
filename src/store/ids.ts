import { v7 } from 'uuid';

/**
 * Ids for rows written in bulk (hub records, transfers): UUIDv7, time-ordered, so each insert lands
 * on the right-most page of the primary key and id indexes instead of a random one. With random
 * UUIDs a 200k-record initialization touches every index page and needs the whole index in
 * shared buffers; with ordered ids the working set stays a few pages.
 */
export function newId(): string {
  return v7();
}
