/**
 * Typed keys of the session's custom search attributes (Keyword, registered on the namespace). Both the
 * workflow (upserts) and the client (start options, visibility queries) use these, so a renamed attribute
 * is a compile error rather than a silently empty Temporal UI filter.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { SearchAttribute } from './spec.js';

type SearchAttributeName = (typeof SearchAttribute)[keyof typeof SearchAttribute];

// `import type` keeps zod (spec.ts's runtime dependency) out of the workflow bundle; `satisfies` still ties
// each literal to the contract.
export const SessionIdKey = defineSearchAttributeKey(
  'SessionId' satisfies SearchAttributeName,
  SearchAttributeType.KEYWORD,
);
export const SessionUserKey = defineSearchAttributeKey(
  'SessionUser' satisfies SearchAttributeName,
  SearchAttributeType.KEYWORD,
);
export const SessionStatusKey = defineSearchAttributeKey(
  'SessionStatus' satisfies SearchAttributeName,
  SearchAttributeType.KEYWORD,
);
