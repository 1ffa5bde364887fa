/**
 * `POST /internal/v1/provision`: how a claimed warm pod gets its session's credentials without being
 * recreated and without waiting for the kubelet to refresh a Secret volume. The pod authenticates with its
 * own provisioning token (in its own Secret since before it started; only its sha256 is on the pod). The
 * answer is given once: the first successful fetch marks the pod provisioned (a compare-and-swap on the
 * pod's resourceVersion), and every later fetch is refused with 410, so a leaked token is worth nothing
 * after the pod has started its session — and nothing before it is claimed.
 */
import { timingSafeEqual } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import express from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { isConflict, isNotFound } from '../k8s/api-errors.js';
import type { Config } from '../config.js';
import type { KubeClients } from '../k8s/client.js';
import { SESSION_ID_LABEL, USER_ANNOTATION } from '../k8s/labels.js';
import { SECRET_ENV_KEY_PREFIX } from '../k8s/manifests.js';
import { sessionObjectNames } from '../k8s/names.js';
import {
  PROVISIONED_AT_ANNOTATION,
  PROVISION_TOKEN_HASH_ANNOTATION,
  WARM_POOL_LABEL,
  WARM_STATE_LABEL,
  WarmState,
  tokenHash,
} from '../k8s/warm-pod.js';
import { ApiError, parseOr400 } from './errors.js';

export const PROVISION_PATH = '/internal/v1/provision';

export const ProvisionRequestSchema = z.strictObject({ pod_name: z.string().min(1).max(253) });

/** What a claimed pod receives, once. */
export const ProvisionResponseSchema = z.object({
  session_id: z.string(),
  user: z.string(),
  github_token: z.string(),
  mcp_servers: z.string(),
  env: z.record(z.string(), z.string()),
  /** The Secret credentials-sync writes refreshed agent credentials back to. */
  credentials_secret: z.string(),
});
export type ProvisionResponse = z.infer<typeof ProvisionResponseSchema>;

export interface ProvisionDeps {
  config: Pick<Config, 'sessionNamespace'>;
  kube: KubeClients;
  logger: Logger;
}

const ATTEMPTS = 5;

const unauthorized = () =>
  new ApiError(401, 'UNAUTHORIZED', 'invalid provisioning credential', {}, { 'WWW-Authenticate': 'Bearer' });

function bearer(header: string | undefined): string {
  const match = /^Bearer ([A-Za-z0-9_-]{16,128})$/.exec(header ?? '');
  if (!match) throw unauthorized();
  return match[1]!;
}

function sameHash(token: string, expected: string | undefined): boolean {
  if (!expected) return false;
  const a = Buffer.from(tokenHash(token), 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Mounts the provisioning endpoint; it takes no API key (warm pods have none), only the pod's token. */
export function mountProvisionRoutes(app: express.Express, deps: ProvisionDeps): void {
  const { core } = deps.kube;
  const namespace = deps.config.sessionNamespace;

  async function sessionCredentials(sessionId: string, user: string): Promise<Omit<ProvisionResponse, 'user'>> {
    const names = sessionObjectNames(user, sessionId);
    const owned = <T extends k8s.KubernetesObject>(o: T): T => {
      if (o.metadata?.labels?.[SESSION_ID_LABEL] !== sessionId) {
        throw new ApiError(409, 'NOT_READY', 'the session objects are not ready; retry');
      }
      return o;
    };
    const notReady = (err: unknown): never => {
      if (isNotFound(err)) throw new ApiError(409, 'NOT_READY', 'the session objects are not ready; retry');
      throw err;
    };
    const [creds, mcp] = await Promise.all([
      core.readNamespacedSecret({ name: names.credsSecret, namespace }).then(owned, notReady),
      core.readNamespacedSecret({ name: names.mcpSecret, namespace }).then(owned, notReady),
      // Read only as a sign that provisioning got that far; it holds no values.
      core.readNamespacedConfigMap({ name: names.configMap, namespace }).then(owned, notReady),
    ]);
    const decode = (s: k8s.V1Secret, key: string): string =>
      s.data?.[key] !== undefined ? Buffer.from(s.data[key], 'base64').toString('utf8') : (s.stringData?.[key] ?? '');
    // The session's secret env lives in its credentials Secret as `env.<NAME>` keys.
    const env = Object.fromEntries(
      Object.keys({ ...creds.data, ...creds.stringData })
        .filter((key) => key.startsWith(SECRET_ENV_KEY_PREFIX))
        .map((key) => [key.slice(SECRET_ENV_KEY_PREFIX.length), decode(creds, key)]),
    );
    return {
      session_id: sessionId,
      github_token: decode(creds, 'github-token'),
      mcp_servers: decode(mcp, 'mcp-servers.json') || '{}',
      env,
      credentials_secret: names.credsSecret,
    };
  }

  app.post(PROVISION_PATH, express.json({ limit: 4096, type: () => true }), async (req, res) => {
    const token = bearer(req.get('authorization'));
    const { pod_name: podName } = parseOr400(ProvisionRequestSchema, req.body, 'body');
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      let pod: k8s.V1Pod;
      try {
        pod = await core.readNamespacedPod({ name: podName, namespace });
      } catch (err) {
        if (isNotFound(err)) throw unauthorized();
        throw err;
      }
      const labels = pod.metadata?.labels ?? {};
      const annotations = pod.metadata?.annotations ?? {};
      // Same answer for "no such pod", "not a warm pod" and "wrong token": nothing to learn by probing.
      if (!labels[WARM_POOL_LABEL] || !sameHash(token, annotations[PROVISION_TOKEN_HASH_ANNOTATION])) {
        throw unauthorized();
      }
      if (annotations[PROVISIONED_AT_ANNOTATION]) {
        throw new ApiError(410, 'ALREADY_PROVISIONED', 'this pod has already fetched its provisioning');
      }
      const sessionId = labels[SESSION_ID_LABEL];
      const user = annotations[USER_ANNOTATION];
      if (labels[WARM_STATE_LABEL] !== WarmState.Claimed || !sessionId || !user) {
        throw new ApiError(409, 'NOT_CLAIMED', 'this pod has not been claimed by a session yet; retry');
      }
      const credentials = await sessionCredentials(sessionId, user);
      try {
        await core.replaceNamespacedPod({
          name: podName,
          namespace,
          body: {
            ...pod,
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: {
              ...pod.metadata,
              annotations: { ...annotations, [PROVISIONED_AT_ANNOTATION]: new Date().toISOString() },
            },
          },
        });
      } catch (err) {
        // The pod changed since we read it (status update, or a concurrent fetch): decide again.
        if (isConflict(err)) continue;
        throw err;
      }
      deps.logger.info({ pod: podName, sessionId }, 'warm pod provisioned');
      res.set('Cache-Control', 'no-store').json({ ...credentials, user } satisfies ProvisionResponse);
      return;
    }
    throw new ApiError(503, 'BUSY', 'the pod kept changing; retry', {}, { 'Retry-After': '1' });
  });
}
