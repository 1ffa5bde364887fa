/**
 * Sessions created through an API harness the way a test file needs them: every id a create answered
 * with is remembered, so the file's `afterAll` ends whatever a failed test left running, and a delete
 * is checked to leave no object of the session behind.
 */
import request from 'supertest';
import { useApiHarness, type ApiHarness } from './api-harness.js';
import { settledObjects } from './cluster.js';

export const as = (key: string) => ({ Authorization: `Bearer ${key}` });

function sessionCalls(harness: () => ApiHarness) {
  const created: string[] = [];
  return {
    created,
    async createSession(
      key: string,
      body: object = { config: {} },
      query = '',
      app: ApiHarness['app'] = harness().app,
    ): Promise<request.Response> {
      const res = await request(app).post(`/api/v1/sessions${query}`).set(as(key)).send(body);
      if (typeof res.body?.session_id === 'string') created.push(res.body.session_id);
      if (typeof res.body?.error?.session_id === 'string') created.push(res.body.error.session_id);
      return res;
    },
    async deleteAndSettle(key: string, id: string): Promise<request.Response> {
      const res = await request(harness().app).delete(`/api/v1/sessions/${id}?wait=true`).set(as(key));
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('terminated');
      expect(await settledObjects(id, [])).toEqual([]);
      return res;
    },
    /** Ends every session created (its own workflow cleans up after it), as an admin. */
    async endAll(): Promise<void> {
      const h = harness();
      for (const id of created) {
        await request(h.app).delete(`/api/v1/sessions/${id}?wait=true`).set(as(h.keys.admin));
      }
    },
  };
}

/**
 * A harness for one test file plus its session calls; whatever a failed test left running is ended
 * (and cleaned up by its own workflow) before the harness closes.
 */
export function useApiSessions(started: (h: ApiHarness) => void) {
  let harness: ApiHarness | undefined;
  const calls = sessionCalls(() => harness!);
  useApiHarness(
    (h) => {
      harness = h;
      started(h);
    },
    () => calls.endAll(),
  );
  return calls;
}
