/**
 * Reads Keyword search attributes from visibility's raw payloads (JSON, as the SDK encodes them; older SDKs
 * wrote a one-element list) with the public payload converter, so a list needs no per-workflow decoding.
 */
import { defaultPayloadConverter, type Payload } from '@temporalio/common';

export function keywordReader(indexedFields: Record<string, Payload> | null | undefined) {
  return {
    get(key: { name: string }): string | undefined {
      const payload = indexedFields?.[key.name];
      if (!payload) return undefined;
      const value: unknown = defaultPayloadConverter.fromPayload(payload);
      const first: unknown = Array.isArray(value) ? value[0] : value;
      return typeof first === 'string' ? first : undefined;
    },
  };
}
