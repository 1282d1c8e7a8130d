/** A tag value. From flags it is always a string; YAML may give the other types. */
export type TagValue =
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'int'; readonly value: bigint }
  | { readonly type: 'double'; readonly value: number }
  | { readonly type: 'bool'; readonly value: boolean };

export interface Tag {
  readonly key: string;
  readonly value: TagValue;
}

/**
 * What happens when a resource already holds a tag's key with a different value:
 * - `override`: the tag replaces every existing value of that key;
 * - `skip`: the existing value wins and the tag is not added;
 * - `prefix-and-keep`: the existing value stays, the tag is written as `<prefix><key>`.
 */
export type CollisionPolicy = 'override' | 'skip' | 'prefix-and-keep';

export const collisionPolicies: readonly CollisionPolicy[] = Object.freeze([
  'override',
  'skip',
  'prefix-and-keep',
]);

export interface TagRules {
  readonly tags: readonly Tag[];
  readonly defaultPolicy: CollisionPolicy;
  /** Per-key policies that override the default. */
  readonly policies: Readonly<Record<string, CollisionPolicy>>;
  /** Prefix for `prefix-and-keep`; default `agent.`. */
  readonly prefix: string;
}

/** What the tags did, summed over resources. The service exports these as metrics. */
export interface TagStats {
  /** The key was absent; the tag was added. */
  applied: number;
  /** The key held another value; the tag replaced it (`override`). */
  overridden: number;
  /** The key held another value; it was kept and the tag dropped (`skip`). */
  skipped: number;
  /** The key held another value; the tag went under the prefixed key (`prefix-and-keep`). */
  prefixed: number;
  /** The key already held the tag's value; nothing changed. */
  unchanged: number;
}

export function createTagStats(): TagStats {
  return { applied: 0, overridden: 0, skipped: 0, prefixed: 0, unchanged: 0 };
}
