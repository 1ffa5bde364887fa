/**
 * Quota releases against the real apiserver: many sessions of one user ending at once (a bulk delete)
 * all leave the user's ledger, while another writer keeps changing it. Each release used to be its own
 * compare-and-swap on the one ConfigMap; all but one lost every round and most ran out of attempts.
 */
import * as k8s from '@kubernetes/client-node';
import { LedgerRemovals, readLedger, writeLedger } from '../../src/k8s/quota-ledger.js';
import { createNamespace, deleteNamespace } from '../support/private-namespace.js';
import { stackKubeConfig, uniqueSuffix } from '../support/stack.js';

const core = stackKubeConfig().makeApiClient(k8s.CoreV1Api);
const namespace = `quota-ledger-${uniqueSuffix()}`;
const user = 'bulk@example.com';
const admittedAt = '2026-12-03T00:00:00Z';

beforeAll(() => createNamespace(namespace));
afterAll(() => deleteNamespace(namespace));

test('200 concurrent releases of one user all leave the ledger, and a concurrent admission is kept', async () => {
  const ended = Array.from({ length: 200 }, (_, i) => `ended-${i}`);
  expect(
    await writeLedger(core, namespace, user, undefined, [
      { sessionId: 'stays', admittedAt },
      ...ended.map((sessionId) => ({ sessionId, admittedAt })),
    ]),
  ).toMatchObject({ resourceVersion: expect.any(String) });

  // A second process releasing too, and an admission writing in between, as on a real deployment.
  const [one, two] = [new LedgerRemovals(core), new LedgerRemovals(core)];
  const admission = (async () => {
    for (;;) {
      const current = await readLedger(core, namespace, user);
      const next = [...current.ledger, { sessionId: 'admitted-meanwhile', admittedAt }];
      if (await writeLedger(core, namespace, user, current.resourceVersion, next)) return;
    }
  })();
  const releases = ended.map((sessionId, i) => (i % 2 === 0 ? one : two).remove(namespace, user, sessionId));
  const outcomes = await Promise.allSettled([...releases, admission]);

  expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
  const left = (await readLedger(core, namespace, user)).ledger.map((e) => e.sessionId).sort();
  expect(left).toEqual(['admitted-meanwhile', 'stays']);
});

test('a release of a session not in the ledger, or of a user without one, is a no-op', async () => {
  const removals = new LedgerRemovals(core);
  await expect(removals.remove(namespace, user, 'never-admitted')).resolves.toBeUndefined();
  await expect(removals.remove(namespace, 'nobody@example.com', 'x')).resolves.toBeUndefined();
  expect((await readLedger(core, namespace, 'nobody@example.com')).resourceVersion).toBeUndefined();
});
