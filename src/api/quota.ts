/**
 * The per-user limit on unfinished sessions, held across API replicas.
 *
 * Temporal visibility is eventually consistent, so "count, then start" would let two replicas (or two
 * requests of one) both see room for one more session. Instead each user has a ledger — a ConfigMap in
 * the session namespace listing the sessions admitted for them — updated with optimistic concurrency:
 * an admission reads the ledger, drops sessions that have ended, and writes itself in only if the
 * ledger did not change in between (etcd compares the resourceVersion). Within one process a user's
 * admissions also queue behind each other, so replicas rarely contend at all.
 */
import * as k8s from '@kubernetes/client-node';
import { z } from 'zod';
import { userLabelValue } from '../k8s/names.js';
import { USER_LABEL } from '../k8s/labels.js';
import { ApiError } from './errors.js';

export const QUOTA_LEDGER_COMPONENT = 'session-quota';
/** An admitted session whose workflow is not visible yet (the admitting request is starting it). */
const START_GRACE_MS = 60_000;
const MAX_ATTEMPTS = 10;

export const LedgerSchema = z.array(z.object({ sessionId: z.string(), admittedAt: z.string() }));
type Ledger = z.infer<typeof LedgerSchema>;

/** Whether a session's workflow still runs; `undefined` when it does not exist (yet). */
export type SessionLiveness = (sessionId: string) => Promise<boolean | undefined>;

export function quotaLedgerName(user: string): string {
  return `session-quota-${userLabelValue(user)}`;
}

export class SessionQuota {
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private readonly core: k8s.CoreV1Api,
    private readonly namespace: string,
    private readonly max: number,
    private readonly isRunning: SessionLiveness,
  ) {}

  /**
   * Runs `start` for `sessionId` if the user has fewer than `max` unfinished sessions, else throws 429.
   * The session is in the ledger before `start` runs, so a concurrent admission elsewhere counts it.
   */
  async admit(user: string, sessionId: string, start: () => Promise<void>): Promise<void> {
    await this.queued(user, async () => {
      await this.reserve(user, sessionId);
      try {
        await start();
      } catch (err) {
        await this.release(user, sessionId).catch(() => undefined);
        throw err;
      }
    });
  }

  private async queued(user: string, fn: () => Promise<void>): Promise<void> {
    const previous = this.queues.get(user) ?? Promise.resolve();
    const mine = previous.then(fn, fn);
    const settled = mine.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(user, settled);
    try {
      await mine;
    } finally {
      if (this.queues.get(user) === settled) this.queues.delete(user);
    }
  }

  private async reserve(user: string, sessionId: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.read(user);
      const unfinished = await this.unfinished(current.ledger);
      if (unfinished.length >= this.max) {
        throw new ApiError(
          429,
          'QUOTA_EXCEEDED',
          `user ${user} already has ${unfinished.length} unfinished sessions; the limit is ${this.max} (API_MAX_SESSIONS_PER_USER). Delete one first.`,
        );
      }
      const next = [...unfinished, { sessionId, admittedAt: new Date().toISOString() }];
      if (await this.write(user, current.resourceVersion, next)) return;
      if (attempt >= MAX_ATTEMPTS) {
        throw new ApiError(503, 'QUOTA_BUSY', `too many concurrent creates for user ${user}; retry`);
      }
    }
  }

  private async release(user: string, sessionId: string): Promise<void> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const current = await this.read(user);
      const next = current.ledger.filter((entry) => entry.sessionId !== sessionId);
      if (next.length === current.ledger.length || (await this.write(user, current.resourceVersion, next))) return;
    }
  }

  /** Ledger entries whose session has not ended; a just-admitted one counts until its workflow shows up. */
  private async unfinished(ledger: Ledger): Promise<Ledger> {
    const alive = await Promise.all(
      ledger.map(async (entry) => {
        const running = await this.isRunning(entry.sessionId);
        if (running !== undefined) return running;
        return Date.now() - Date.parse(entry.admittedAt) < START_GRACE_MS;
      }),
    );
    return ledger.filter((_, i) => alive[i]);
  }

  private async read(user: string): Promise<{ ledger: Ledger; resourceVersion: string | undefined }> {
    try {
      const cm = await this.core.readNamespacedConfigMap({ name: quotaLedgerName(user), namespace: this.namespace });
      const parsed = LedgerSchema.safeParse(JSON.parse(cm.data?.sessions ?? '[]'));
      // A ledger someone edited into nonsense is rebuilt: visibility still lists running sessions, and
      // the next admissions fill it again.
      return { ledger: parsed.success ? parsed.data : [], resourceVersion: cm.metadata?.resourceVersion };
    } catch (err) {
      if ((err as { code?: number }).code === 404) return { ledger: [], resourceVersion: undefined };
      throw err;
    }
  }

  /** Writes the ledger if it is still at `resourceVersion` (absent: if it does not exist); false on a lost race. */
  private async write(user: string, resourceVersion: string | undefined, ledger: Ledger): Promise<boolean> {
    const body: k8s.V1ConfigMap = {
      metadata: {
        name: quotaLedgerName(user),
        namespace: this.namespace,
        labels: { 'app.kubernetes.io/component': QUOTA_LEDGER_COMPONENT, [USER_LABEL]: userLabelValue(user) },
        ...(resourceVersion ? { resourceVersion } : {}),
      },
      data: { sessions: JSON.stringify(ledger) },
    };
    try {
      if (resourceVersion) {
        await this.core.replaceNamespacedConfigMap({ name: quotaLedgerName(user), namespace: this.namespace, body });
      } else {
        await this.core.createNamespacedConfigMap({ namespace: this.namespace, body });
      }
      return true;
    } catch (err) {
      // 404: the reconciler deleted the (empty) ledger in between; re-read and create it again.
      const code = (err as { code?: number }).code;
      if (code === 409 || code === 404) return false;
      throw err;
    }
  }
}
