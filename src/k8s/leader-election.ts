/**
 * Leader election on a coordination.k8s.io Lease, so that of several worker replicas exactly one runs
 * the informers that signal workflows (two informers would signal every loss twice).
 *
 * client-node has no helper, so this follows client-go's `leaderelection` package: a candidate
 * reads the Lease and writes itself in with the resourceVersion it read (etcd compares it, so two
 * candidates never both win), the leader renews every `retryPeriodMs`, and gives leadership up when it
 * has not renewed within `renewDeadlineMs`. Expiry is judged by the candidate's own clock from when it
 * last saw the record change, never by comparing `renewTime` with the local clock, so clock skew
 * between replicas does not matter.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { pino, type Logger } from 'pino';

export interface LeaderElectionOptions {
  kc: k8s.KubeConfig;
  namespace: string;
  leaseName: string;
  /** Unique per process; defaults to `<hostname>-<random>`. */
  identity?: string;
  /** How long non-leaders wait after the last observed renewal before taking over. */
  leaseDurationMs: number;
  /** A leader that has not renewed for this long steps down (must be below the lease duration). */
  renewDeadlineMs: number;
  /** Interval between acquire/renew attempts. */
  retryPeriodMs: number;
  /**
   * Runs while this process leads. `signal` aborts when leadership is lost or the elector stops; the
   * returned promise should settle soon after.
   */
  onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  /** Called after leading ended (lost or released), once the leading work has settled. */
  onStoppedLeading?: () => void;
  onNewLeader?: (identity: string) => void;
  logger?: Logger;
}

export interface LeaderElector {
  readonly identity: string;
  isLeader(): boolean;
  /** Stops campaigning; a leader stops its work and releases the Lease so another takes over at once. */
  stop(): Promise<void>;
}

/**
 * A Lease time as the apiserver parses it (RFC 3339 with microseconds). client-node would send a Date
 * with milliseconds, which the apiserver refuses for MicroTime fields, so the string is sent as is.
 */
export function microTime(date: Date): Date {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as Date;
}

/** One term of leadership: its work, and whether that work has ended (by itself, or after `abort`). */
interface Leading {
  abort: AbortController;
  done: Promise<void>;
  ended: boolean;
}

/** Not a failure: another candidate wrote the Lease between our read and our write. */
const CONFLICT = 409;

/** Starts campaigning for the Lease (creating it when missing) and keeps doing so until `stop()`. */
export function startLeaderElection(options: LeaderElectionOptions): LeaderElector {
  if (options.renewDeadlineMs >= options.leaseDurationMs) {
    throw new Error('leader election: renewDeadlineMs must be below leaseDurationMs');
  }
  if (options.retryPeriodMs >= options.renewDeadlineMs) {
    throw new Error('leader election: retryPeriodMs must be below renewDeadlineMs');
  }
  const api = options.kc.makeApiClient(k8s.CoordinationV1Api);
  const { namespace, leaseName: name } = options;
  const identity = options.identity ?? `${hostname()}-${randomUUID().slice(0, 8)}`;
  const log = (options.logger ?? pino({ name: 'leader-election' })).child({ lease: name, identity });
  const leaseDurationSeconds = Math.max(1, Math.ceil(options.leaseDurationMs / 1000));

  /** The record as last read, and when (by our clock) it last changed. */
  let observed: { holder: string; resourceVersion: string; at: number } | undefined;
  let leading: Leading | undefined;
  let lastRenewAt = 0;
  let lastLeader = '';
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inflight: Promise<void> = Promise.resolve();

  async function tryAcquireOrRenew(): Promise<boolean> {
    const now = microTime(new Date());
    let current: k8s.V1Lease;
    try {
      current = await api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
      try {
        await api.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds,
              acquireTime: now,
              renewTime: now,
              leaseTransitions: 0,
            },
          },
        });
        return true;
      } catch (createErr) {
        if ((createErr as { code?: number }).code === CONFLICT) return false;
        throw createErr;
      }
    }
    const spec = current.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const resourceVersion = current.metadata?.resourceVersion ?? '';
    if (!observed || observed.resourceVersion !== resourceVersion) {
      observed = { holder, resourceVersion, at: Date.now() };
    }
    if (holder !== lastLeader) {
      lastLeader = holder;
      if (holder) options.onNewLeader?.(holder);
    }
    const durationMs = (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    const held = holder !== '' && holder !== identity;
    if (held && observed.at + durationMs > Date.now()) return false;

    const body: k8s.V1Lease = {
      ...current,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds,
        renewTime: now,
        ...(holder === identity
          ? {}
          : { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + (holder ? 1 : 0) }),
      },
    };
    try {
      // The resourceVersion in metadata makes this a compare-and-swap.
      const written = await api.replaceNamespacedLease({ name, namespace, body });
      observed = { holder: identity, resourceVersion: written.metadata?.resourceVersion ?? '', at: Date.now() };
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === CONFLICT) return false;
      throw err;
    }
  }

  function startLeading(): void {
    const abort = new AbortController();
    log.info('became leader');
    if (lastLeader !== identity) {
      lastLeader = identity;
      options.onNewLeader?.(identity);
    }
    const term: Leading = { abort, done: Promise.resolve(), ended: false };
    term.done = Promise.resolve()
      .then(() => options.onStartedLeading(abort.signal))
      .catch((err: unknown) => log.error({ err }, 'leading work failed'))
      .finally(() => {
        term.ended = true;
      });
    leading = term;
  }

  async function stopLeading(why: string): Promise<void> {
    const current = leading;
    if (!current) return;
    leading = undefined;
    log.warn({ why }, 'leadership ended');
    current.abort.abort();
    await current.done;
    options.onStoppedLeading?.();
  }

  async function tick(): Promise<void> {
    try {
      const ok = await tryAcquireOrRenew();
      if (ok) {
        lastRenewAt = Date.now();
        // Work that ended by itself (it failed, e.g. on an apiserver error) while this replica still holds
        // the Lease starts again: a leader without its work would keep the Lease and do nothing.
        if (leading?.ended && !leading.abort.signal.aborted) await stopLeading('its work ended; starting it again');
        if (!leading && !stopped) startLeading();
      } else if (leading) {
        await stopLeading('another candidate holds the lease');
      }
    } catch (err) {
      log.warn({ err }, 'lease acquire/renew failed');
    }
    if (leading && Date.now() - lastRenewAt > options.renewDeadlineMs) {
      await stopLeading('could not renew within the renew deadline');
    }
  }

  function run(): void {
    inflight = tick().finally(() => {
      if (!stopped) timer = setTimeout(run, options.retryPeriodMs);
    });
  }

  // First attempt at once, so a lone replica leads without waiting a retry period.
  run();

  async function release(): Promise<void> {
    try {
      const current = await api.readNamespacedLease({ name, namespace });
      if (current.spec?.holderIdentity !== identity) return;
      // As client-go does: an empty holder and a 1 s duration let the next candidate take over at once.
      await api.replaceNamespacedLease({
        name,
        namespace,
        body: { ...current, spec: { ...current.spec, holderIdentity: '', leaseDurationSeconds: 1 } },
      });
      log.info('released the lease');
    } catch (err) {
      log.warn({ err }, 'could not release the lease; it expires after its duration');
    }
  }

  return {
    identity,
    isLeader: () => leading !== undefined,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      // A tick in flight may just have (re)acquired the Lease; let it finish so the release sees it.
      await inflight;
      await stopLeading('stopping');
      // Also when not leading: a last tick may have acquired the Lease after stop() began.
      await release();
    },
  };
}
