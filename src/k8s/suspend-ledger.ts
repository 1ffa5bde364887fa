/**
 * Moves a session between the two counts of its user's quota ledger (./quota-ledger.ts): running
 * (toward API_MAX_SESSIONS_PER_USER) and suspended (toward AGENTAPI_K8S_SESSION_MAX_SUSPENDED_PER_USER).
 * A move is one compare-and-swap write, refused when the destination count is full, so two replicas
 * resuming two sessions of one user at once cannot both take the last place.
 */
import type * as k8s from '@kubernetes/client-node';
import { readLedger, writeLedger } from './quota-ledger.js';

const MAX_ATTEMPTS = 10;

export interface LedgerMove {
  /** True when the session now counts where asked (also when it already did). */
  ok: boolean;
  /** Sessions already in the destination count, the session itself excluded. */
  others: number;
}

/**
 * Marks `sessionId` suspended (`suspended: true`) or running again if fewer than `limit` other sessions
 * of the user are in that state. A session missing from the ledger (e.g. admitted before the ledger
 * existed) is added.
 */
export async function moveLedgerEntry(
  core: k8s.CoreV1Api,
  namespace: string,
  user: string,
  sessionId: string,
  suspended: boolean,
  limit: number,
): Promise<LedgerMove> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const current = await readLedger(core, namespace, user);
    const mine = current.ledger.find((e) => e.sessionId === sessionId);
    const others = current.ledger.filter((e) => e.sessionId !== sessionId && Boolean(e.suspended) === suspended);
    if (mine && Boolean(mine.suspended) === suspended) return { ok: true, others: others.length };
    if (others.length >= limit) return { ok: false, others: others.length };
    const entry = { sessionId, admittedAt: mine?.admittedAt ?? new Date().toISOString(), suspended };
    const next = [...current.ledger.filter((e) => e.sessionId !== sessionId), entry];
    if (await writeLedger(core, namespace, user, current.resourceVersion, next))
      return { ok: true, others: others.length };
  }
  throw new Error(`quota ledger of ${user} kept changing; ${sessionId} not moved after ${MAX_ATTEMPTS} attempts`);
}
