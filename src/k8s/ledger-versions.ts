/**
 * The newest version of each quota ledger this process knows: what it wrote itself, and what the
 * ledger watch (src/k8s/ledger-informer.ts) delivered. Admission swaps against it instead of reading
 * first; a version that turns out stale only costs a lost swap and a read (the apiserver compares
 * resourceVersions, so a stale one can never overwrite anyone's entries).
 */
import { quotaLedgerName, type LedgerVersion } from './quota-ledger.js';

/** How long a version this process wrote is worth swapping against when no watch reports the ledger. */
export const REUSE_WRITTEN_MS = 10_000;
/** Ledgers remembered (the least recently changed is forgotten first). */
const MAX_LEDGERS = 10_000;

interface Known {
  version: LedgerVersion;
  at: number;
  /** Delivered by the watch: current until the watch delivers the next change, however old. */
  watched: boolean;
}

/**
 * Whether `next` may replace `current`. A watch can deliver an older change after this process's own
 * write has returned; etcd's resourceVersions are integers that grow, so the lower one is older. Any
 * other form (never seen from an etcd-backed apiserver) is taken in arrival order.
 */
function isNewer(next: string | undefined, current: string | undefined): boolean {
  if (next === undefined || current === undefined || !/^\d+$/.test(next) || !/^\d+$/.test(current)) return true;
  return BigInt(next) >= BigInt(current);
}

export class LedgerVersions {
  private readonly known = new Map<string, Known>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The version to swap against for `user`'s ledger, if one is fresh enough; else read first. */
  latest(user: string): LedgerVersion | undefined {
    const known = this.known.get(quotaLedgerName(user));
    if (!known) return undefined;
    return known.watched || this.now() - known.at < REUSE_WRITTEN_MS ? known.version : undefined;
  }

  /** This process wrote `version` of `user`'s ledger. */
  wrote(user: string, version: LedgerVersion): void {
    this.set(quotaLedgerName(user), version, false);
  }

  /** The watch delivered `version` of the ledger ConfigMap `name`. */
  observed(name: string, version: LedgerVersion): void {
    this.set(name, version, true);
  }

  /** The ledger `name` was deleted (the reconciler removes empty ones), or its version lost a swap. */
  forget(name: string): void {
    this.known.delete(name);
  }

  /** `user`'s ledger changed under this process (a lost swap): read it before the next swap. */
  forgetUser(user: string): void {
    this.forget(quotaLedgerName(user));
  }

  private set(name: string, version: LedgerVersion, watched: boolean): void {
    const current = this.known.get(name);
    if (current && !isNewer(version.resourceVersion, current.version.resourceVersion)) return;
    // The watch's event for this process's own write may come before the write's answer.
    const same = current !== undefined && current.version.resourceVersion === version.resourceVersion;
    this.known.delete(name);
    this.known.set(name, { version, at: this.now(), watched: watched || (same && current.watched) });
    if (this.known.size > MAX_LEDGERS) this.known.delete(this.known.keys().next().value!);
  }
}
