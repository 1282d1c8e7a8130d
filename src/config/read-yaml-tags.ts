/**
 * `processors.agent_tags`: `tags` as a Jaeger spec string, a map `key: typed value`, or a list of
 * `{key, value, policy}`; `collision` (default policy), `prefix`, `policies: {key: policy}`.
 */
import { parseTagSpec, tagValueFromYaml, type Env } from '../processor/tag-spec.js';
import { collisionPolicies, type CollisionPolicy, type Tag, type TagValue } from '../processor/tag-types.js';
import { droppedTag } from './expand-env.js';
import type { TagsLayer } from './read-yaml-config.js';
import { checkKeys, isMap, join, readMap, readOneOf, readString, show } from './read-value.js';

function typedValue(value: unknown, path: string, env: Env, errors: string[]): TagValue | undefined {
  if (value === droppedTag) return undefined;
  try {
    return tagValueFromYaml(value, path, env);
  } catch (err) {
    errors.push((err as Error).message);
    return undefined;
  }
}

function readTags(value: unknown, path: string, env: Env, errors: string[], policies: Record<string, CollisionPolicy>): Tag[] {
  if (value === null || value === undefined || value === droppedTag) return [];
  if (typeof value === 'string') {
    try {
      return parseTagSpec(value, env);
    } catch (err) {
      errors.push(`${path}: ${(err as Error).message}`);
      return [];
    }
  }
  const tags: Tag[] = [];
  if (isMap(value)) {
    for (const [key, raw] of Object.entries(value)) {
      if (key.trim() === '') {
        errors.push(`${path}: tag key ${show(key)} is blank`);
        continue;
      }
      const typed = typedValue(raw, join(path, key), env, errors);
      if (typed !== undefined) tags.push({ key, value: typed });
    }
    return tags;
  }
  if (Array.isArray(value)) {
    const seen = new Set<string>();
    value.forEach((item, i) => {
      const itemPath = join(path, i);
      if (!isMap(item)) {
        errors.push(`${itemPath}: expected a map {key, value, policy}, got ${show(item)}`);
        return;
      }
      checkKeys(item, itemPath, ['key', 'value', 'policy'], errors);
      if (typeof item.key !== 'string' || item.key.trim() === '') {
        errors.push(`${join(itemPath, 'key')}: required, a non-empty string; got ${show(item.key)}`);
        return;
      }
      const key = item.key;
      if (seen.has(key)) errors.push(`${join(itemPath, 'key')}: ${show(key)} is listed twice`);
      seen.add(key);
      const policy = readOneOf(item.policy, join(itemPath, 'policy'), collisionPolicies, errors);
      if (policy !== undefined) policies[key] = policy;
      if (!('value' in item)) {
        errors.push(`${join(itemPath, 'value')}: required`);
        return;
      }
      const typed = typedValue(item.value, join(itemPath, 'value'), env, errors);
      if (typed !== undefined) tags.push({ key, value: typed });
    });
    return tags;
  }
  errors.push(`${path}: expected a tag spec string, a map of key: value, or a list of {key, value, policy}; got ${show(value)}`);
  return [];
}

export function readAgentTags(value: unknown, path: string, env: Env, errors: string[]): TagsLayer | undefined {
  const map = readMap(value, path, errors);
  if (map === undefined) return undefined;
  checkKeys(map, path, ['tags', 'collision', 'prefix', 'policies'], errors);
  const policies: Record<string, CollisionPolicy> = {};
  const tags = readTags(map.tags, join(path, 'tags'), env, errors, policies);
  const policiesPath = join(path, 'policies');
  const perKey = readMap(map.policies, policiesPath, errors) ?? {};
  for (const [key, raw] of Object.entries(perKey)) {
    const policy = readOneOf(raw ?? '', join(policiesPath, key), collisionPolicies, errors);
    if (policy === undefined) continue;
    if (policies[key] !== undefined && policies[key] !== policy) {
      errors.push(`${join(policiesPath, key)}: ${policy} contradicts the policy ${policies[key]} given with the tag`);
    }
    policies[key] = policy;
  }
  const prefix = readString(map.prefix, join(path, 'prefix'), errors);
  if (prefix === '') errors.push(`${join(path, 'prefix')}: must not be empty`);
  return {
    tags,
    collision: readOneOf(map.collision, join(path, 'collision'), collisionPolicies, errors),
    prefix: prefix === '' ? undefined : prefix,
    policies,
  };
}
