/**
 * What the worker's payload codec hands the workflow in place of a payload that was not encrypted with a
 * configured key (plaintext, an unknown key id, or data failing authentication). A plain decode error would only fail the workflow task, retried forever; a marker value lets
 * the workflow interceptor fail the execution at once, before any activity runs. Free of imports, so both
 * the codec (Node) and the workflow sandbox use it.
 */
export const UNENCRYPTED_PAYLOAD_MARKER = '__session_orchestrator_unencrypted_payload__';

/** The failure type of an execution refused for an unencrypted input. */
export const UNENCRYPTED_PAYLOAD_FAILURE = 'UnencryptedPayload';

export interface UnencryptedPayloadMarker {
  [UNENCRYPTED_PAYLOAD_MARKER]: true;
  /** Why it is not trusted (not encrypted, unknown key id, failed authentication); never its data. */
  reason: string;
}

export function isUnencryptedPayloadMarker(value: unknown): value is UnencryptedPayloadMarker {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<string, unknown>)[UNENCRYPTED_PAYLOAD_MARKER] === true
  );
}
