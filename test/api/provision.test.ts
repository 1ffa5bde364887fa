/**
 * Credentials delivery to a claimed warm pod through POST /internal/v1/provision, on the real stack: real
 * warm pods and token Secrets made by the reconcile activity, a real claim, the session's real Secrets made
 * by the session activities, and the worker's provisioning listener (its Express app).
 */
import { Writable } from 'node:stream';
import type { Client } from '@temporalio/client';
import { pino } from 'pino';
import request from 'supertest';
import { createSessionActivities } from '../../activities/index.js';
import { claimWarmPod } from '../../activities/warm-claim.js';
import { createWarmPoolActivities } from '../../activities/warm-pool.js';
import { ApiKeyStore } from '../../src/api/auth.js';
import { LOG_REDACT_PATHS, createApp } from '../../src/api/app.js';
import { createProvisionApp } from '../../src/api/provision-server.js';
import { PROVISION_PATH } from '../../src/api/provision-routes.js';
import { loadConfig } from '../../src/config.js';
import { PROVISION_TOKEN_KEY, warmPodNames } from '../../src/k8s/warm-pod.js';
import { createTemporalClient } from '../../src/temporal/client.js';
import { testSessionSpec } from '../support/session-spec.js';
import { removeSessionObjects } from '../support/cluster.js';
import { stackServiceEnv, uniqueSuffix } from '../support/stack.js';
import { kube, removePool, untilReadyAvailable, warmProfile } from '../support/warm.js';

const config = loadConfig({
  ...stackServiceEnv('unused', `k1:${Buffer.alloc(32, 3).toString('base64')}`),
  API_METRICS_AUTH: 'false',
});
const profile = warmProfile({ min: 3, max: 3 });
const namespace = profile.template.namespace;
const warm = createWarmPoolActivities({
  clients: kube,
  provisionUrl: 'http://127.0.0.1/internal/v1/provision',
  logger: pino({ level: 'silent' }),
});
const sessionActs = createSessionActivities({ clients: kube, logger: pino({ level: 'silent' }) });
const spec = testSessionSpec({
  ...profile.template,
  user: `prov-${uniqueSuffix()}@example.com`,
  secrets: {
    githubToken: 'ghp_provision-test-not-real',
    mcpServersJson: '{"mcpServers":{"x":{}}}',
    env: { TEAM_TOKEN: 'blue-not-real' },
  },
});
let client: Client;
let logText = '';
let app: ReturnType<typeof createProvisionApp>;

async function tokenOf(podName: string): Promise<string> {
  const suffix = podName.slice(`warm-${profile.name}-`.length);
  const secret = await kube.core.readNamespacedSecret({
    name: warmPodNames(profile.name, suffix).tokenSecret,
    namespace,
  });
  return Buffer.from(secret.data![PROVISION_TOKEN_KEY]!, 'base64').toString('utf8');
}

const provision = (podName: string, token: string) =>
  request(app).post(PROVISION_PATH).set('Authorization', `Bearer ${token}`).send({ pod_name: podName });

beforeAll(async () => {
  client = await createTemporalClient(config);
  const logger = pino(
    { level: 'info', redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' } },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        logText += chunk.toString();
        done();
      },
    }),
  );
  app = createProvisionApp({ config, kube, logger });
  await warm.reconcileWarmPool(profile, 3);
  await untilReadyAvailable(profile.name, 3);
  await sessionActs.ensureCredentialsSecret(spec);
  await sessionActs.ensureMcpSecret(spec);
  await sessionActs.ensureSessionConfigMap(spec);
}, 120_000);

afterAll(async () => {
  await removePool(profile.name);
  await removeSessionObjects(spec);
  await client?.connection.close();
});

test("a claimed pod fetches its session's token, MCP config and env exactly once, with its own token only", async () => {
  const claimed = await claimWarmPod(kube.core, {
    sessionId: spec.sessionId,
    user: spec.user,
    template: profile.template,
  });
  expect(claimed).toBeDefined();
  const podName = claimed!.podName;
  const token = await tokenOf(podName);
  const unclaimed = (await untilReadyAvailable(profile.name, 2))[0]!.metadata!.name!;
  const otherToken = await tokenOf(unclaimed);

  // Another pod's token (valid for that pod) does not open this pod's provisioning.
  const wrongPod = await provision(podName, otherToken);
  expect(wrongPod.status).toBe(401);
  expect(JSON.stringify(wrongPod.body)).not.toContain('ghp_');

  const first = await provision(podName, token);
  expect(first.status).toBe(200);
  expect(first.headers['cache-control']).toBe('no-store');
  expect(first.body).toEqual({
    session_id: spec.sessionId,
    user: spec.user,
    github_token: 'ghp_provision-test-not-real',
    mcp_servers: '{"mcpServers":{"x":{}}}',
    env: { TEAM_TOKEN: 'blue-not-real' },
    credentials_secret: expect.stringContaining(spec.sessionId),
  });

  const second = await provision(podName, token);
  expect(second.status).toBe(410);
  expect(second.body.error.code).toBe('ALREADY_PROVISIONED');
  expect(JSON.stringify(second.body)).not.toContain('ghp_');
  expect(logText).not.toContain('ghp_provision-test-not-real');
  expect(logText).not.toContain(token);
});

test('an unclaimed warm pod gets nothing but "not claimed yet", and a made-up token nothing at all', async () => {
  const pods = await untilReadyAvailable(profile.name, 2);
  const podName = pods[0]!.metadata!.name!;
  const notYet = await provision(podName, await tokenOf(podName));
  expect(notYet.status).toBe(409);
  expect(notYet.body.error.code).toBe('NOT_CLAIMED');

  const forged = await provision(podName, 'A'.repeat(43));
  expect(forged.status).toBe(401);
  const noPod = await provision(`warm-${profile.name}-nosuchpod`, 'A'.repeat(43));
  expect(noPod.status).toBe(401);
  const noAuth = await request(app).post(PROVISION_PATH).send({ pod_name: podName });
  expect(noAuth.status).toBe(401);
});

test('concurrent fetches with the right token deliver the credentials once', async () => {
  const other = testSessionSpec({ ...spec, sessionId: `p-${uniqueSuffix()}` });
  await sessionActs.ensureCredentialsSecret(other);
  await sessionActs.ensureMcpSecret(other);
  await sessionActs.ensureSessionConfigMap(other);
  try {
    const claimed = await claimWarmPod(kube.core, {
      sessionId: other.sessionId,
      user: other.user,
      template: profile.template,
    });
    const token = await tokenOf(claimed!.podName);
    const answers = await Promise.all(Array.from({ length: 5 }, () => provision(claimed!.podName, token)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 410, 410, 410, 410]);
  } finally {
    await removeSessionObjects(other);
  }
});

test("the API reports each pool's available and claimed pods on /metrics", async () => {
  // The gauges are the API's (it lists warm pods); the provisioning listener serves nothing else.
  const api = createApp({
    config,
    client,
    kube,
    keys: new ApiKeyStore({ keys: [] }),
    logger: pino({ level: 'silent' }),
  });
  const res = await request(api).get('/metrics');
  expect(res.status).toBe(200);
  expect(res.text).toContain(`warm_pool_pods{pool="${profile.name}",state="available"} 1`);
  expect(res.text).toContain(`warm_pool_pods{pool="${profile.name}",state="claimed"} 2`);
});
