/**
 * Object names of a session, derived from its user and id.
 *
 * The rule: `session-<u>-<id>` where `<u>` is the user name lowercased, every character outside
 * `[a-z0-9-]` replaced by `-`, runs of `-` collapsed and trimmed. If that changed the name in any other
 * way than lowercasing, or it is longer than {@link MAX_USER_PART} characters, `<u>` becomes its first
 * characters plus `-` and the first 8 hex digits of sha256(original user name). A name that already ends
 * like such a hash (`-` and 8 hex digits, or `u` and 8 hex digits) is hashed as well, so no kept name can
 * equal a hashed one. So distinct users never
 * share a name (`Alice` and `alice` differ: the first gets a hash), the pod and Service name fit a
 * DNS-1123 label (≤ 63 characters, the Service limit) for any 32-character session id, and the same
 * string is a valid label value for the `user` label.
 */
import { createHash } from 'node:crypto';

const SESSION_ID_MAX = 32;
/** 63 (label limit) − "session-" − "-" − a 32-character session id. */
export const MAX_USER_PART = 63 - 'session-'.length - 1 - SESSION_ID_MAX;
const HASH_LENGTH = 8;
/** What {@link userLabelValue} produces when it hashes: `<prefix>-<8 hex>` or `u<8 hex>`. */
const HASHED_SHAPE = /-[0-9a-f]{8}$|^u[0-9a-f]{8}$/;

export interface SessionObjectNames {
  base: string;
  pod: string;
  service: string;
  credsSecret: string;
  mcpSecret: string;
  configMap: string;
  pvc: string;
}

function shortHash(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex').slice(0, HASH_LENGTH);
}

/** The DNS-1123-safe form of a user name used in object names and as the `user` label value. */
export function userLabelValue(user: string): string {
  const sanitized = user
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  // A name kept as it is must not look like a hashed one, or `a.b` (→ `a-b-<hash>`) and a user literally
  // called `a-b-<hash>` would share a label: such names are hashed too, which keeps the mapping one-to-one.
  const looksHashed = HASHED_SHAPE.test(sanitized);
  if (sanitized === user && sanitized.length > 0 && sanitized.length <= MAX_USER_PART && !looksHashed) return sanitized;
  const keep = sanitized.slice(0, MAX_USER_PART - HASH_LENGTH - 1).replace(/-+$/, '');
  return keep ? `${keep}-${shortHash(user)}` : `u${shortHash(user)}`;
}

/** Every object name of one session. */
export function sessionObjectNames(user: string, sessionId: string): SessionObjectNames {
  const base = `session-${userLabelValue(user)}-${sessionId}`;
  return {
    base,
    pod: base,
    service: base,
    credsSecret: `${base}-creds`,
    mcpSecret: `${base}-mcp`,
    configMap: `${base}-config`,
    pvc: `${base}-pvc`,
  };
}

/** The name of the pod a session runs in: the warm pod it claimed, or its own `<base>`. */
export function sessionPodName(spec: { user: string; sessionId: string; podName?: string | undefined }): string {
  return spec.podName ?? sessionObjectNames(spec.user, spec.sessionId).pod;
}
