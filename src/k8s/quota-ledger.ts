/**
 * The per-user quota ledger: a ConfigMap in the session namespace listing the sessions admitted for one
 * user, changed only by compare-and-swap on its resourceVersion (etcd compares it), so concurrent writers
 * on any number of API replicas and workers never lose each other's entries.
 *
 * Admission (src/api/quota.ts) adds entries; a session's workflow removes its own when it ends
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

export function quotaLedgerName(user: string): string {
  return `session-quota-${userLabelValue(user)}`;
}

export async function readLedger(core: k8s.CoreV1Api, namespace: string, user: string): Promise<LedgerVersion> {
  try {
    const cm = await core.readNamespacedConfigMap({ name: quotaLedgerName(user), namespace });
    return { ledger: parseLedger(cm), resourceVersion: cm.metadata?.resourceVersion };
  } catch (err) {
    if ((err as { code?: number }).code === 404) return { ledger: [], resourceVersion: undefined };
    throw err;
  }
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

/** Writes the ledger if it is still at `resourceVersion` (absent: if it does not exist); false on a lost race. */
export async function writeLedger(
  core: k8s.CoreV1Api,
  namespace: string,
  user: string,
  resourceVersion: string | undefined,
  ledger: Ledger,
): Promise<boolean> {
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
    if (resourceVersion) {
      await core.replaceNamespacedConfigMap({ name: quotaLedgerName(user), namespace, body });
    } else {
      await core.createNamespacedConfigMap({ namespace, body });
    }
    return true;
  } catch (err) {
    // 404: the reconciler deleted the (empty) ledger in between; the caller re-reads and creates it again.
    const code = (err as { code?: number }).code;
    if (code === 409 || code === 404) return false;
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
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const current = await readLedger(core, namespace, user);
    const next = current.ledger.filter((entry) => entry.sessionId !== sessionId);
    if (next.length === current.ledger.length) return;
    if (await writeLedger(core, namespace, user, current.resourceVersion, next)) return;
  }
  throw new Error(`quota ledger of ${user} kept changing; ${sessionId} not removed after ${MAX_ATTEMPTS} attempts`);
}

/** Whether a session's workflow still runs; `undefined` when it does not exist (yet). */
export type SessionLiveness = (sessionId: string) => Promise<boolean | undefined>;
