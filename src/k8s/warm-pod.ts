/**
 * Pure builders and label rules of warm pool pods. A warm pod is the session pod of its profile with every
 * user-specific part removed: no session labels, no Secret mounted or referenced except the pod's own
 * provisioning token, so a warm pod holds no user data and any user's session can take it.
 */
import { createHash } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import type { WarmPoolProfile, WarmTemplate } from '../../workflows/contract/warm-pool.js';
import { canonicalJson } from '../session/warm-pool.js';
import { APP_LABEL, SESSION_APP } from './labels.js';
import { buildSessionPod } from './manifests.js';

export const WARM_POOL_LABEL = 'agentapi.proxy/warm-pool';
export const WARM_STATE_LABEL = 'agentapi.proxy/warm-state';
/** Hash of the pod's {@link WarmTemplate}: a claim matches on it, a profile change drains pods without it. */
export const WARM_TEMPLATE_LABEL = 'agentapi.proxy/warm-template';
/** sha256 (hex) of the pod's provisioning token; the token itself is only in the pod's own Secret. */
export const PROVISION_TOKEN_HASH_ANNOTATION = 'agentapi.proxy/provision-token-sha256';
/** Set (with the time) once the claimed pod has fetched its session's credentials; a second fetch is refused. */
export const PROVISIONED_AT_ANNOTATION = 'agentapi.proxy/provisioned-at';
export const CLAIMED_AT_ANNOTATION = 'agentapi.proxy/claimed-at';
/** The key of the pod's provisioning token in its Secret. */
export const PROVISION_TOKEN_KEY = 'token';

export const WarmState = { Available: 'available', Claimed: 'claimed' } as const;
export type WarmState = (typeof WarmState)[keyof typeof WarmState];

/** Every pod of a pool (any state, any template). */
export const poolSelector = (pool: string): string => `${APP_LABEL}=${SESSION_APP},${WARM_POOL_LABEL}=${pool}`;

/** Every claimable pod of a template, in whatever pool it was made. */
export const availableSelector = (templateHash: string): string =>
  `${APP_LABEL}=${SESSION_APP},${WARM_STATE_LABEL}=${WarmState.Available},${WARM_TEMPLATE_LABEL}=${templateHash}`;

/** A short, label-safe hash of a template. */
export function templateHash(template: WarmTemplate): string {
  return createHash('sha256').update(canonicalJson(template), 'utf8').digest('hex').slice(0, 20);
}

export const tokenHash = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

export interface WarmPodNames {
  pod: string;
  tokenSecret: string;
}

/** Names of one warm pod; `suffix` is random, chosen by the caller (5-10 lowercase alphanumerics). */
export function warmPodNames(pool: string, suffix: string): WarmPodNames {
  const pod = `warm-${pool}-${suffix}`;
  return { pod, tokenSecret: `${pod}-provision` };
}

/** Env vars the in-pod provisioning step reads to fetch its session's credentials once claimed. */
export const PROVISION_ENV = {
  url: 'AGENTAPI_PROVISION_URL',
  token: 'AGENTAPI_PROVISION_TOKEN',
  podName: 'AGENTAPI_POD_NAME',
} as const;

function stripUserSecrets(container: k8s.V1Container, secretVolumes: Set<string>): k8s.V1Container {
  const env = (container.env ?? []).filter((e) => !e.valueFrom?.secretKeyRef && e.name !== 'SECRET_NAME');
  const envFrom = (container.envFrom ?? []).filter((e) => !e.secretRef);
  const volumeMounts = (container.volumeMounts ?? []).filter((m) => !secretVolumes.has(m.name));
  return {
    ...container,
    env: env.length ? env : undefined,
    envFrom: envFrom.length ? envFrom : undefined,
    volumeMounts: volumeMounts.length ? volumeMounts : undefined,
  };
}

/**
 * The warm pod of `profile`: built by the session pod builder (so image, resources, runtimeClass, placement
 * and security context are exactly a session pod's), then stripped of every Secret reference and given the
 * pool's labels and its own provisioning token.
 */
export function buildWarmPod(
  profile: Pick<WarmPoolProfile, 'name' | 'template'>,
  names: WarmPodNames,
  options: { tokenHash: string; provisionUrl: string },
): k8s.V1Pod {
  const t = profile.template;
  const base = buildSessionPod({
    ...t,
    // Placeholders: the builder needs a user and id; every object they name is removed below.
    sessionId: 'warm',
    user: 'warm',
    pvc: { enabled: false, size: '1Gi', deleteOnTerminate: true },
    timeoutMinutes: 1,
    maxLifetimeMinutes: 1,
    env: {},
    podStartTimeoutSeconds: 1,
    restartPolicy: { maxRestarts: 0, windowMinutes: 1 },
    secrets: {},
  });
  const spec = base.spec!;
  const secretVolumes = new Set((spec.volumes ?? []).filter((v) => v.secret || v.projected).map((v) => v.name));
  const provisionEnv: k8s.V1EnvVar[] = [
    { name: PROVISION_ENV.url, value: options.provisionUrl },
    { name: PROVISION_ENV.podName, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    // The pod's own token, not user data: it exists before the pod starts, so no Secret-volume sync delay.
    {
      name: PROVISION_ENV.token,
      valueFrom: { secretKeyRef: { name: names.tokenSecret, key: PROVISION_TOKEN_KEY } },
    },
  ];
  const [main, ...rest] = spec.containers.map((c) => stripUserSecrets(c, secretVolumes));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: names.pod,
      namespace: t.namespace,
      labels: {
        [APP_LABEL]: SESSION_APP,
        [WARM_POOL_LABEL]: profile.name,
        [WARM_STATE_LABEL]: WarmState.Available,
        [WARM_TEMPLATE_LABEL]: templateHash(t),
      },
      annotations: { [PROVISION_TOKEN_HASH_ANNOTATION]: options.tokenHash },
    },
    spec: {
      ...spec,
      containers: [{ ...main!, env: [...(main!.env ?? []), ...provisionEnv] }, ...rest],
      initContainers: spec.initContainers?.map((c) => stripUserSecrets(c, secretVolumes)),
      volumes: (spec.volumes ?? []).filter((v) => !secretVolumes.has(v.name)),
      // A session's own identity (credentials-sync's ServiceAccount) does not exist before there is a session.
      serviceAccountName: t.serviceAccountName,
      // The per-user spread of session pods cannot apply before there is a user.
      affinity: t.placement.affinity as k8s.V1Affinity | undefined,
    },
  };
}

/** The pod's provisioning token Secret; owned by the pod (set after the pod exists) so it goes with it. */
export function buildWarmTokenSecret(
  profile: Pick<WarmPoolProfile, 'name' | 'template'>,
  names: WarmPodNames,
  token: string,
): k8s.V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: names.tokenSecret,
      namespace: profile.template.namespace,
      labels: { [WARM_POOL_LABEL]: profile.name },
    },
    type: 'Opaque',
    stringData: { [PROVISION_TOKEN_KEY]: token },
  };
}
