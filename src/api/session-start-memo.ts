/**
 * `start` in the session list: the list comes from visibility, not from the workflows, so the session
 * workflow records how it started in its memo (workflows/session/warm-start.ts). Memo payloads go through
 * the data converter like every other payload (encrypted by the codec), so they are decoded here.
 */
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { START_MEMO_KEY } from '../../workflows/contract/warm-match.js';

export type SessionStart = 'warm' | 'cold';

/** The `start` a session's memo records, or null (not decided yet, or a session from before warm pools). */
export async function startFromMemo(
  client: Client,
  memo: temporal.api.common.v1.IMemo | null | undefined,
): Promise<SessionStart | null> {
  const payload = memo?.fields?.[START_MEMO_KEY];
  if (!payload) return null;
  const { payloadCodecs, payloadConverter } = client.options.loadedDataConverter;
  let decoded = [payload];
  for (const codec of [...payloadCodecs].reverse()) decoded = await codec.decode(decoded);
  const value: unknown = payloadConverter.fromPayload(decoded[0]!);
  return value === 'warm' || value === 'cold' ? value : null;
}
