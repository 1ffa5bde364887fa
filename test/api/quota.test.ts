/**
 * The per-user session quota under a burst: parallel creates by one user over two API replicas start no
 * more sessions than the quota, the rest get 429 QUOTA_EXCEEDED and are counted; the list pages through
 * them; ending one frees a slot. Real app, Temporal dev server, cluster and session worker.
 */
import request from 'supertest';
import { sessionWorkflowId } from '../../workflows/contract/spec.js';
import { openSessionWorkflows, type ApiHarness } from '../support/api-harness.js';
import { as, useApiSessions } from '../support/api-sessions.js';
import { eventually } from '../support/wait.js';

let h: ApiHarness;
const { createSession, deleteAndSettle } = useApiSessions((started) => (h = started));
const openWorkflowsOf = (user: string) => openSessionWorkflows(h, user);

describe('quota', () => {
  test('20 parallel creates by one user, spread over two API replicas, start no more sessions than the quota; the rest get 429', async () => {
    const user = h.users.bob;
    expect(await openWorkflowsOf(user)).toBe(0);
    // A second app instance is a second replica: it shares only Temporal and the cluster with the first.
    const replicas = [h.app, h.appWith({})];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => createSession(h.keys.bob, { config: {} }, '?wait=false', replicas[i % 2])),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    for (const r of results.filter((x) => x.status === 429)) {
      expect(r.body.error.code).toBe('QUOTA_EXCEEDED');
    }
    // Each replica counts the creates it refused.
    let refused = 0;
    for (const replica of replicas) {
      const metrics = await request(replica).get('/metrics').set(as(h.keys.readOnly));
      const line = /^sessions_rejected_total\{code="QUOTA_EXCEEDED"\} (\d+)$/m.exec(metrics.text);
      refused += Number(line?.[1] ?? 0);
    }
    expect(refused).toBe(15);
    const ids = results.filter((r) => r.status === 202).map((r) => r.body.session_id as string);
    expect(new Set(ids).size).toBe(5);
    expect(
      await eventually('visibility to list the 5 sessions', async () =>
        (await openWorkflowsOf(user)) === 5 ? 5 : undefined,
      ),
    ).toBe(5);

    // The list pages through all of Bob's sessions, each once.
    const paged: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const page: request.Response = await request(h.app)
        .get(`/api/v1/sessions?page_size=2${token ? `&page_token=${token}` : ''}`)
        .set(as(h.keys.bob));
      expect(page.status).toBe(200);
      expect(page.body.sessions.length).toBeLessThanOrEqual(2);
      paged.push(...page.body.sessions.map((x: { session_id: string }) => x.session_id));
      token = page.body.next_page_token;
      pages += 1;
    } while (token && pages < 10);
    // Every one of Bob's sessions appears once, over pages of two.
    expect(new Set(paged).size).toBe(paged.length);
    expect(paged).toEqual(expect.arrayContaining(ids));
    expect(pages).toBeGreaterThanOrEqual(3);

    // Ending one frees a slot.
    await deleteAndSettle(h.keys.bob, ids[0]!);
    const next = await createSession(h.keys.bob, { config: {} }, '?wait=false');
    expect(next.status).toBe(202);
    for (const id of [...ids.slice(1), next.body.session_id]) await deleteAndSettle(h.keys.bob, id);
    expect(await openWorkflowsOf(user)).toBe(0);
    for (const id of ids) {
      await expect(h.client.workflow.getHandle(sessionWorkflowId(id)).describe()).resolves.toEqual(
        expect.objectContaining({ status: expect.objectContaining({ name: 'COMPLETED' }) }),
      );
    }
  });
});
