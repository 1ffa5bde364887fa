/**
 * Whether an existing object belongs to a user (and session). The `user` label is a DNS-safe digest of
 * the user name, good for selectors; ownership is decided by the label AND the raw user annotation, so it
 * never rests on the label mapping alone.
 */
import type * as k8s from '@kubernetes/client-node';
import { SESSION_ID_LABEL, USER_ANNOTATION, USER_LABEL } from './labels.js';
import { userLabelValue } from './names.js';

/** The object carries `user`'s label and its raw name in the user annotation. */
export function isOwnedByUser(meta: k8s.V1ObjectMeta | undefined, user: string): boolean {
  return meta?.labels?.[USER_LABEL] === userLabelValue(user) && meta.annotations?.[USER_ANNOTATION] === user;
}

/** The object is `user`'s and was made for session `sessionId` (create-or-adopt on 409). */
export function isOwnedBySession(meta: k8s.V1ObjectMeta | undefined, user: string, sessionId: string): boolean {
  return isOwnedByUser(meta, user) && meta?.labels?.[SESSION_ID_LABEL] === sessionId;
}
