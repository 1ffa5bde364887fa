/**
 * The per-user limit on unfinished sessions, held across API replicas.
 *
 * Temporal visibility is eventually consistent, so "count, then start" would let two replicas (or two
 * requests of one) both see room for one more session. Instead each user has a ledger (src/k8s/
 * quota-ledger.ts) — a ConfigMap listing the sessions admitted for them — changed only by compare-and-swap.
 *
 * Admission is O(1) in the number of sessions a user has: a session's workflow removes its own entry when
 * it ends, so admission counts entries and asks Temporal about none of them — unless the count says no,
 * when it checks at most {@link MAX_LIVENESS_CHECKS} of the oldest entries (one whose workflow ended without
 * removing it, e.g. terminated from the Temporal UI, must not block the user for ever). Concurrent creates
 * of one user in one process are batched into one read and one CAS write. A batch skips the read when
 * this process knows the ledger's newest version ({@link LedgerVersions}): what the API's ledger watch
 * delivered, or its own write of the last `REUSE_WRITTEN_MS` — one apiserver call per create, also
 * after a session of the user ended (its workflow's removal arrives through the watch). Reuse never
 * weakens the limit: the swap fails if anyone changed the ledger since, and a refusal is only ever
 * decided on a fresh read.
 */
import type * as k8s from '@kubernetes/client-node';
import {
  readLedger,
  removeLedgerEntry,
  writeLedger,
  type Ledger,
  type LedgerEntry,
  type SessionLiveness,
} from '../k8s/quota-ledger.js';
import { LedgerVersions } from '../k8s/ledger-versions.js';

export type { SessionLiveness } from '../k8s/quota-ledger.js';

/**
 * An admission the quota refuses: `QUOTA_EXCEEDED` when the user is at the limit (delete a session first),
 * `QUOTA_BUSY` when the ledger kept changing under every attempt (retry). The API answers 429 and 503.
 */
export class QuotaRefused extends Error {
  constructor(
    readonly code: 'QUOTA_EXCEEDED' | 'QUOTA_BUSY',
    message: string,
  ) {
    super(message);
    this.name = 'QuotaRefused';
  }
}

/** An admitted session whose workflow is not visible yet (the admitting request is starting it). */
const START_GRACE_MS = 60_000;
const MAX_ATTEMPTS = 10;
/** At most this many entries are checked against Temporal when the count alone would refuse. */
const MAX_LIVENESS_CHECKS = 5;

interface Pending {
  sessionId: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class QuotaAdmission {
  /** Per user: creates waiting for the next ledger write, and whether a write is under way. */
  private readonly batches = new Map<string, { waiting: Pending[]; flushing: boolean }>();

  constructor(
    private readonly core: k8s.CoreV1Api,
    private readonly namespace: string,
    private readonly max: number,
    private readonly isRunning: SessionLiveness,
    /** The newest ledgers this process knows (its own writes, and the ledger watch's when it runs). */
    private readonly versions: LedgerVersions = new LedgerVersions(),
  ) {}

  /**
   * Runs `start` for `sessionId` if the user has fewer than `max` unfinished sessions, else throws
   * {@link QuotaRefused}; an error of `start` itself reaches the caller unchanged.
   * The session is in the ledger before `start` runs, so a concurrent admission elsewhere counts it.
   */
  async admit(user: string, sessionId: string, start: () => Promise<void>): Promise<void> {
    await this.reserve(user, sessionId);
    try {
      await start();
    } catch (err) {
      this.versions.forgetUser(user);
      await removeLedgerEntry(this.core, this.namespace, user, sessionId).catch(() => undefined);
      throw err;
    }
  }

  private reserve(user: string, sessionId: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let batch = this.batches.get(user);
      if (!batch) {
        batch = { waiting: [], flushing: false };
        this.batches.set(user, batch);
      }
      batch.waiting.push({ sessionId, resolve, reject });
      if (!batch.flushing) void this.flush(user);
    });
  }

  /** Writes every waiting admission of `user` in one CAS write, repeating while more arrive. */
  private async flush(user: string): Promise<void> {
    const batch = this.batches.get(user)!;
    batch.flushing = true;
    try {
      while (batch.waiting.length > 0) {
        const round = batch.waiting.splice(0);
        try {
          await this.admitRound(user, round);
        } catch (err) {
          for (const p of round) p.reject(err);
        }
      }
    } finally {
      batch.flushing = false;
      if (batch.waiting.length === 0) this.batches.delete(user);
    }
  }

  /** Admits the first of `round` that fit (in arrival order) and refuses the rest (QUOTA_EXCEEDED). */
  private async admitRound(user: string, round: Pending[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const reused = attempt === 1 ? this.versions.latest(user) : undefined;
      if (reused && runningCount(reused.ledger) + round.length > this.max) continue;
      const current = reused ?? (await readLedger(this.core, this.namespace, user));
      let ledger = current.ledger;
      if (runningCount(ledger) + round.length > this.max) ledger = await this.withoutEnded(ledger);
      const room = Math.max(0, this.max - runningCount(ledger));
      const admitted = round.slice(0, room);
      const admittedAt = new Date().toISOString();
      const next = [...ledger, ...admitted.map((p) => ({ sessionId: p.sessionId, admittedAt }))];
      if (admitted.length > 0 || next.length !== current.ledger.length) {
        const written = await writeLedger(this.core, this.namespace, user, current.resourceVersion, next);
        if (!written) {
          this.versions.forgetUser(user);
          if (attempt >= MAX_ATTEMPTS) {
            throw new QuotaRefused('QUOTA_BUSY', `too many concurrent creates for user ${user}; retry`);
          }
          continue;
        }
        this.versions.wrote(user, written);
      }
      for (const p of admitted) p.resolve();
      for (const p of round.slice(room)) {
        p.reject(
          new QuotaRefused(
            'QUOTA_EXCEEDED',
            `user ${user} already has ${runningCount(ledger)} unfinished sessions; the limit is ${this.max} (API_MAX_SESSIONS_PER_USER). Delete one first.`,
          ),
        );
      }
      return;
    }
  }

  /**
   * The ledger without entries whose session has ended, checking at most MAX_LIVENESS_CHECKS of the
   * oldest entries past their start grace (a younger one may not be visible in Temporal yet).
   */
  private async withoutEnded(ledger: Ledger): Promise<Ledger> {
    const now = Date.now();
    const candidates = [...ledger]
      .filter((e) => now - Date.parse(e.admittedAt) >= START_GRACE_MS)
      .sort((a, b) => Date.parse(a.admittedAt) - Date.parse(b.admittedAt))
      .slice(0, MAX_LIVENESS_CHECKS);
    const ended = new Set<LedgerEntry['sessionId']>();
    await Promise.all(
      candidates.map(async (e) => {
        if ((await this.isRunning(e.sessionId)) !== true) ended.add(e.sessionId);
      }),
    );
    return ledger.filter((e) => !ended.has(e.sessionId));
  }
}

/** Suspended sessions hold no pod and have a limit of their own (see src/k8s/suspend-ledger.ts). */
function runningCount(ledger: Ledger): number {
  return ledger.filter((e) => !e.suspended).length;
}
