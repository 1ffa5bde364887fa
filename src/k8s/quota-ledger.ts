/**
 * The per-user quota ledger: a ConfigMap in the session namespace listing the sessions admitted for one
 * user, changed only by compare-and-swap on its resourceVersion (etcd compares it), so concurrent writers
 * on any number of API replicas and workers never lose each other's entries.
 *
 * Admission (src/session/quota.ts) adds entries; a session's workflow removes its own when it ends
 * ({@link removeLedgerEntry}, an activity); the reconciler (activities/reconciler.ts) is the garbage collection for
 * entries whose workflow ended without removing them (e.g. terminated from the Temporal UI) and for empty
 * ledgers.
 */
import type * as k8s from '@kubernetes/client-node';
import { z } from 'zod';
import { USER_LABEL } from './labels.js';
import { userLabelValue } from './names.js';

export const QUOTA_LEDGER_COMPONENT = 'session-quota';
const COMPONENT_LABEL = 'app.kubernetes.io/component';
const MAX_ATTEMPTS = 10;

export const LedgerSchema = z.array(
  z.object({
    sessionId: z.string(),
    admittedAt: z.string(),
    /** A suspended session holds no pod: it counts toward the suspended limit, not the running one. */
    suspended: z.boolean().optional(),
  }),
);
export type Ledger = z.infer<typeof LedgerSchema>;
export type LedgerEntry = Ledger[number];

export interface LedgerVersion {
  ledger: Ledger;
  /** Absent when the ledger does not exist yet. */
  resourceVersion: string | undefined;
}

/** Selects every user's ledger (and nothing else) in the session namespace. */
export const QUOTA_LEDGER_SELECTOR = `${COMPONENT_LABEL}=${QUOTA_LEDGER_COMPONENT}`;

export function quotaLedgerName(user: string): string {
  return `session-quota-${userLabelValue(user)}`;
}

export async function readLedger(core: k8s.CoreV1Api, namespace: string, user: string): Promise<LedgerVersion> {
  try {
    return ledgerVersionOf(await core.readNamespacedConfigMap({ name: quotaLedgerName(user), namespace }));
  } catch (err) {
    if ((err as { code?: number }).code === 404) return { ledger: [], resourceVersion: undefined };
    throw err;
  }
}

/** The ledger a ConfigMap holds, at its resourceVersion. */
export function ledgerVersionOf(cm: k8s.V1ConfigMap): LedgerVersion {
  return { ledger: parseLedger(cm), resourceVersion: cm.metadata?.resourceVersion };
}

function parseLedger(cm: k8s.V1ConfigMap): Ledger {
  let raw: unknown;
  try {
    raw = JSON.parse(cm.data?.sessions ?? '[]');
  } catch {
    raw = [];
  }
  const parsed = LedgerSchema.safeParse(raw);
  // A ledger someone edited into nonsense is rebuilt: the next admissions fill it again.
  return parsed.success ? parsed.data : [];
}

/**
 * Writes the ledger if it is still at `resourceVersion` (absent: if it does not exist). Returns the version
 * written — what a later compare-and-swap may start from without reading — or undefined on a lost race.
 */
export async function writeLedger(
  core: k8s.CoreV1Api,
  namespace: string,
  user: string,
  resourceVersion: string | undefined,
  ledger: Ledger,
): Promise<LedgerVersion | undefined> {
  const body: k8s.V1ConfigMap = {
    metadata: {
      name: quotaLedgerName(user),
      namespace,
      labels: { [COMPONENT_LABEL]: QUOTA_LEDGER_COMPONENT, [USER_LABEL]: userLabelValue(user) },
      ...(resourceVersion ? { resourceVersion } : {}),
    },
    data: { sessions: JSON.stringify(ledger) },
  };
  try {
    const written = resourceVersion
      ? await core.replaceNamespacedConfigMap({ name: quotaLedgerName(user), namespace, body })
      : await core.createNamespacedConfigMap({ namespace, body });
    return { ledger, resourceVersion: written.metadata?.resourceVersion };
  } catch (err) {
    // 404: the reconciler deleted the (empty) ledger in between; the caller re-reads and creates it again.
    const code = (err as { code?: number }).code;
    if (code === 409 || code === 404) return undefined;
    throw err;
  }
}

/** Removes `sessionId` from the user's ledger; a no-op when it is not there. */
export async function removeLedgerEntry(
  core: k8s.CoreV1Api,
  namespace: string,
  user: string,
  sessionId: string,
): Promise<void> {
  await removeLedgerEntries(core, namespace, user, new Set([sessionId]));
}

/** Removes every one of `sessionIds` from the user's ledger in one write (retried on a lost race). */
export async function removeLedgerEntries(
  core: k8s.CoreV1Api,
  namespace: string,
  user: string,
  sessionIds: ReadonlySet<string>,
): Promise<void> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const current = await readLedger(core, namespace, user);
    const next = current.ledger.filter((entry) => !sessionIds.has(entry.sessionId));
    if (next.length === current.ledger.length) return;
    if (await writeLedger(core, namespace, user, current.resourceVersion, next)) return;
    // Another writer (an admission, another worker) won: step aside a little before re-reading.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
  }
  throw new Error(
    `quota ledger of ${user} kept changing; ${sessionIds.size} entries not removed after ${MAX_ATTEMPTS} attempts`,
  );
}

interface PendingRemovals {
  /** Session ids to remove with the next write, each with the callers waiting for it. */
  next: Map<string, { resolve: () => void; reject: (err: unknown) => void }[]>;
}

/**
 * One process's ledger removals, coalesced per ledger: while a write is under way, the entries to remove
 * queue and the next write takes them all. Without it, hundreds of one user's sessions ending together
 * (a bulk delete) each compare-and-swap the same ConfigMap and all but one lose every round, so most
 * releases ran out of attempts and waited for the activity's retry backoff (a backlog of deletes behind a bulk delete).
 */
export class LedgerRemovals {
  private readonly pending = new Map<string, PendingRemovals>();

  constructor(private readonly core: k8s.CoreV1Api) {}

  remove(namespace: string, user: string, sessionId: string): Promise<void> {
    const key = `${namespace}/${quotaLedgerName(user)}`;
    let queue = this.pending.get(key);
    const draining = queue !== undefined;
    if (!queue) {
      queue = { next: new Map() };
      this.pending.set(key, queue);
    }
    const done = new Promise<void>((resolve, reject) => {
      const waiters = queue.next.get(sessionId) ?? [];
      waiters.push({ resolve, reject });
      queue.next.set(sessionId, waiters);
    });
    if (!draining) void this.drain(key, queue, namespace, user);
    return done;
  }

  private async drain(key: string, queue: PendingRemovals, namespace: string, user: string): Promise<void> {
    while (queue.next.size > 0) {
      const batch = queue.next;
      queue.next = new Map();
      try {
        await removeLedgerEntries(this.core, namespace, user, new Set(batch.keys()));
        for (const waiters of batch.values()) for (const w of waiters) w.resolve();
      } catch (err) {
        for (const waiters of batch.values()) for (const w of waiters) w.reject(err);
      }
    }
    this.pending.delete(key);
  }
}

/** Whether a session's workflow still runs; `undefined` when it does not exist (yet). */
export type SessionLiveness = (sessionId: string) => Promise<boolean | undefined>;
