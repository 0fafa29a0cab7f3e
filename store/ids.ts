import { v7 } from 'uuid';

/**
 * A new record id: a time-ordered UUID (RFC 9562 v7). Ids that grow with time keep every
 * index on them append-mostly, so a busy farm touches a few hot pages instead of random ones.
 */
export function newId(): string {
  return v7();
}
