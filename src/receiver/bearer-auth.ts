/**
 * Bearer-token authentication of both receivers (RFC 6750 `Authorization: Bearer <token>`).
 * Tokens are compared as SHA-256 digests with `timingSafeEqual`: equal lengths whatever the
 * client sends, so the time taken tells nothing about the token. The token is never logged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export interface BearerAuth {
  /** False: every request passes. */
  readonly enabled: boolean;
  /** Swaps the token (reload); undefined turns authentication off. */
  set(token: string | undefined): void;
  /** Whether an `authorization` header / metadata value carries the token. */
  check(authorization: string | readonly string[] | undefined): boolean;
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

// RFC 7235: the scheme is case-insensitive; one or more spaces separate it from the token.
const bearer = /^bearer +(\S+) *$/i;

export function createBearerAuth(token?: string): BearerAuth {
  let expected = token === undefined ? undefined : digest(token);
  return {
    get enabled() {
      return expected !== undefined;
    },
    set(next) {
      expected = next === undefined ? undefined : digest(next);
    },
    check(authorization) {
      if (expected === undefined) return true;
      // A repeated header is ambiguous: refuse it rather than pick one.
      if (typeof authorization !== 'string') return false;
      const presented = bearer.exec(authorization)?.[1];
      return presented !== undefined && timingSafeEqual(digest(presented), expected);
    },
  };
}
