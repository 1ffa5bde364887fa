/**
 * Quota admission reuses the newest ledger it knows — its own last write, or what the ledger watch
 * delivered: a create swaps against that version without reading first, and a change made by anyone else
 * since still wins (the swap fails, admission re-reads). The apiserver is stubbed at its boundary: a
 * ConfigMap store with etcd's compare-and-swap on resourceVersion; the watch, by handing its events on.
 */
import type * as k8s from '@kubernetes/client-node';
import { QuotaAdmission } from '../../src/session/quota.js';
import { LedgerVersions, REUSE_WRITTEN_MS } from '../../src/k8s/ledger-versions.js';
import { ledgerVersionOf, quotaLedgerName, type Ledger } from '../../src/k8s/quota-ledger.js';

class ConfigMapStore {
  readonly calls: string[] = [];
  private readonly maps = new Map<string, k8s.V1ConfigMap>();
  private version = 0;

  readonly api = {
    readNamespacedConfigMap: async ({ name }: { name: string }) => {
      this.calls.push('read');
      const cm = this.maps.get(name);
      if (!cm) throw Object.assign(new Error('not found'), { code: 404 });
      return structuredClone(cm);
    },
    createNamespacedConfigMap: async ({ body }: { body: k8s.V1ConfigMap }) => {
      this.calls.push('create');
      if (this.maps.has(body.metadata!.name!)) throw Object.assign(new Error('exists'), { code: 409 });
      return this.put(body);
    },
    replaceNamespacedConfigMap: async ({ name, body }: { name: string; body: k8s.V1ConfigMap }) => {
      this.calls.push('replace');
      if (this.maps.get(name)?.metadata?.resourceVersion !== body.metadata?.resourceVersion) {
        throw Object.assign(new Error('conflict'), { code: 409 });
      }
      return this.put(body);
    },
  } as unknown as k8s.CoreV1Api;

  private put(body: k8s.V1ConfigMap): k8s.V1ConfigMap {
    const stored = structuredClone(body);
    stored.metadata = { ...stored.metadata, resourceVersion: String(++this.version) };
    this.maps.set(stored.metadata.name!, stored);
    return structuredClone(stored);
  }

  /** Another writer (a worker releasing an ended session, another API replica) changes the ledger. */
  replaceBehindTheBack(user: string, ledger: Ledger): void {
    const current = this.maps.get(quotaLedgerName(user))!;
    this.put({ ...current, data: { sessions: JSON.stringify(ledger) } });
  }

  /** The ConfigMap as a watch event would carry it. */
  stored(user: string): k8s.V1ConfigMap {
    return structuredClone(this.maps.get(quotaLedgerName(user))!);
  }

  ledger(user: string): string[] {
    const parsed = JSON.parse(this.maps.get(quotaLedgerName(user))?.data?.sessions ?? '[]') as Ledger;
    return parsed.map((e) => e.sessionId);
  }
}

const user = 'ann@example.com';
const everyoneRuns = async () => true;
const admit = (quota: QuotaAdmission, id: string) => quota.admit(user, id, async () => undefined);

test('a create right after this process wrote the ledger makes one apiserver call, not two', async () => {
  const store = new ConfigMapStore();
  const quota = new QuotaAdmission(store.api, 'ns', 5, everyoneRuns);
  await admit(quota, 's1');
  expect(store.calls).toEqual(['read', 'create']);
  store.calls.length = 0;
  await admit(quota, 's2');
  await admit(quota, 's3');
  expect(store.calls).toEqual(['replace', 'replace']);
  expect(store.ledger(user)).toEqual(['s1', 's2', 's3']);
});

test('a ledger someone else changed since is read again, and their change is kept', async () => {
  const store = new ConfigMapStore();
  const quota = new QuotaAdmission(store.api, 'ns', 2, everyoneRuns);
  await admit(quota, 's1');
  await admit(quota, 's2');
  // s1 ended: its worker removed it. The reused version is stale now.
  store.replaceBehindTheBack(user, [{ sessionId: 's2', admittedAt: new Date().toISOString() }]);
  store.calls.length = 0;
  await admit(quota, 's3');
  expect(store.calls).toEqual(['read', 'replace']);
  expect(store.ledger(user)).toEqual(['s2', 's3']);
});

test('a refusal is never decided on the reused version: the ledger is read, and an entry freed since admits', async () => {
  const store = new ConfigMapStore();
  const quota = new QuotaAdmission(store.api, 'ns', 1, everyoneRuns);
  await admit(quota, 's1');
  await expect(admit(quota, 's2')).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });
  store.replaceBehindTheBack(user, []);
  store.calls.length = 0;
  await admit(quota, 's3');
  expect(store.calls[0]).toBe('read');
  expect(store.ledger(user)).toEqual(['s3']);
});

test('a start that failed gives its place back, and the next create reads the ledger it changed', async () => {
  const store = new ConfigMapStore();
  const quota = new QuotaAdmission(store.api, 'ns', 1, everyoneRuns);
  await expect(
    quota.admit(user, 's1', async () => {
      throw new Error('Temporal unreachable');
    }),
  ).rejects.toThrow('Temporal unreachable');
  expect(store.ledger(user)).toEqual([]);
  store.calls.length = 0;
  await admit(quota, 's2');
  expect(store.calls).toEqual(['read', 'replace']);
  expect(store.ledger(user)).toEqual(['s2']);
});

test('with the watch, a create after another writer changed the ledger still makes one apiserver call', async () => {
  const store = new ConfigMapStore();
  const versions = new LedgerVersions();
  const quota = new QuotaAdmission(store.api, 'ns', 5, everyoneRuns, versions);
  await admit(quota, 's1');
  await admit(quota, 's2');
  // s1 ended: its workflow removed it, and the watch delivered that change.
  store.replaceBehindTheBack(user, [{ sessionId: 's2', admittedAt: new Date().toISOString() }]);
  versions.observed(quotaLedgerName(user), ledgerVersionOf(store.stored(user)));
  store.calls.length = 0;
  await admit(quota, 's3');
  expect(store.calls).toEqual(['replace']);
  expect(store.ledger(user)).toEqual(['s2', 's3']);
});

test('without an event, the same create loses its swap once, reads, and keeps the other change', async () => {
  const store = new ConfigMapStore();
  const quota = new QuotaAdmission(store.api, 'ns', 5, everyoneRuns, new LedgerVersions());
  await admit(quota, 's1');
  await admit(quota, 's2');
  store.replaceBehindTheBack(user, [{ sessionId: 's2', admittedAt: new Date().toISOString() }]);
  store.calls.length = 0;
  await admit(quota, 's3');
  expect(store.calls).toEqual(['replace', 'read', 'replace']);
  expect(store.ledger(user)).toEqual(['s2', 's3']);
});

describe('the versions admission swaps against', () => {
  const name = quotaLedgerName(user);
  const at = (resourceVersion: string, ...ids: string[]) => ({
    ledger: ids.map((sessionId) => ({ sessionId, admittedAt: '2026-12-05T00:00:00Z' })),
    resourceVersion,
  });

  test('an older event that arrives after this process’s own write does not replace it', () => {
    const versions = new LedgerVersions();
    versions.wrote(user, at('12', 's1', 's2'));
    versions.observed(name, at('11', 's1'));
    expect(versions.latest(user)).toEqual(at('12', 's1', 's2'));
    versions.observed(name, at('13', 's2'));
    expect(versions.latest(user)).toEqual(at('13', 's2'));
  });

  test('an own write is trusted for a while; a watched version until the next event', () => {
    let now = 0;
    const versions = new LedgerVersions(() => now);
    versions.wrote(user, at('5', 's1'));
    now = REUSE_WRITTEN_MS + 1;
    expect(versions.latest(user)).toBeUndefined();
    versions.observed(name, at('5', 's1'));
    now += 3_600_000;
    expect(versions.latest(user)).toEqual(at('5', 's1'));
    // The watch's event for a write can come before the write's answer: the version stays watched.
    versions.observed(name, at('6', 's1', 's2'));
    versions.wrote(user, at('6', 's1', 's2'));
    now += 3_600_000;
    expect(versions.latest(user)).toEqual(at('6', 's1', 's2'));
  });

  test('a deleted ledger, or one that lost a swap, is read before the next swap', () => {
    const versions = new LedgerVersions();
    versions.observed(name, at('7', 's1'));
    versions.forget(name);
    expect(versions.latest(user)).toBeUndefined();
    versions.observed(name, at('8', 's1'));
    versions.forgetUser(user);
    expect(versions.latest(user)).toBeUndefined();
  });
});
