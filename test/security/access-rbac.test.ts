/**
 * deploy/base/rbac.yaml is enough for the API's routes that reach into a session: the API runs here with a
 * token of that ServiceAccount (not the stack's admin) against the real apiserver with RBAC on.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import request from 'supertest';
import { createApp } from '../../src/api/app.js';
import { ApiKeyStore, loadApiKeys } from '../../src/api/auth.js';
import { loadConfig } from '../../src/config.js';
import { createKubeClients } from '../../src/k8s/client.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { repoRoot, stackEnv, stackKubeConfig } from '../support/stack.js';

let h: ApiHarness;
const as = (key: string) => ({ Authorization: `Bearer ${key}` });

/** The documents of deploy/base/rbac.yaml except the session Namespace, which the stack owns (with more labels). */
function rbacWithoutSessionNamespace(): string {
  const docs = readFileSync(join(repoRoot, 'deploy', 'base', 'rbac.yaml'), 'utf8').split(/^---$/m);
  return docs.filter((d) => !(/^kind: Namespace$/m.test(d) && /name: agentapi-sessions/.test(d))).join('\n---\n');
}

async function serviceAccountKubeConfig(): Promise<k8s.KubeConfig> {
  const admin = createKubeClients(stackKubeConfig());
  const token = await admin.core.createNamespacedServiceAccountToken({
    name: 'session-orchestrator-api',
    namespace: 'session-orchestrator',
    body: { spec: { audiences: [], expirationSeconds: 600 } },
  });
  const cluster = stackKubeConfig().getCurrentCluster()!;
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'stack', server: cluster.server, caFile: cluster.caFile, skipTLSVerify: false }],
    users: [{ name: 'orchestrator', token: token.status!.token }],
    contexts: [{ name: 'orchestrator', cluster: 'stack', user: 'orchestrator' }],
    currentContext: 'orchestrator',
  });
  return kc;
}

beforeAll(async () => {
  h = await startApiHarness();
  execFileSync(stackEnv().STACK_KUBECTL, ['--kubeconfig', stackEnv().KUBECONFIG, 'apply', '-f', '-'], {
    input: rbacWithoutSessionNamespace(),
  });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

test('the API as the deploy/base/rbac.yaml ServiceAccount creates a session, reads its logs, execs in it and deletes it', async () => {
  const kube = createKubeClients(await serviceAccountKubeConfig());
  const app = createApp({
    config: loadConfig(h.env),
    client: h.client,
    kube,
    keys: new ApiKeyStore(loadApiKeys(h.keysFile)),
    logger: pino({ level: 'silent' }),
  });
  const created = await request(app).post('/api/v1/sessions').set(as(h.keys.alice)).send({ config: {} });
  expect(created.status).toBe(201);
  const id: string = created.body.session_id;
  try {
    const logs = await request(app).get(`/api/v1/sessions/${id}/logs?tail=1`).set(as(h.keys.alice));
    expect(logs.status).toBe(200);
    const exec = await request(app)
      .post(`/api/v1/sessions/${id}/exec`)
      .set(as(h.keys.alice))
      .send({ command: ['echo', 'least privilege'] });
    expect(exec.status).toBe(200);
    expect(exec.body).toMatchObject({ exit_code: 0, stdout: 'least privilege\n' });
  } finally {
    const deleted = await request(app).delete(`/api/v1/sessions/${id}?wait=true`).set(as(h.keys.alice));
    expect(deleted.status).toBe(200);
  }
});

test('the same ServiceAccount may not exec into pods outside the session namespace', async () => {
  const kc = await serviceAccountKubeConfig();
  const review = await kc.makeApiClient(k8s.AuthorizationV1Api).createSelfSubjectAccessReview({
    body: {
      spec: { resourceAttributes: { namespace: 'default', resource: 'pods', subresource: 'exec', verb: 'create' } },
    },
  });
  expect(review.status?.allowed).toBe(false);
  const inSessions = await kc.makeApiClient(k8s.AuthorizationV1Api).createSelfSubjectAccessReview({
    body: {
      spec: {
        resourceAttributes: {
          namespace: stackEnv().AGENTAPI_K8S_SESSION_NAMESPACE,
          resource: 'pods',
          subresource: 'exec',
          verb: 'create',
        },
      },
    },
  });
  expect(inSessions.status?.allowed).toBe(true);
});
