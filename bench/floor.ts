/**
 * The floor: what the same objects cost with nothing but a bare @kubernetes/client-node client — the two
 * Secrets, ConfigMap, optional PVC, Pod and Service from the real builders in src/k8s/manifests.ts, and
 * credentials-sync's ServiceAccount, Role and RoleBinding (src/k8s/credentials-sync-identity.ts), all
 * created at once save for what the apiserver needs first (the pod names the ServiceAccount, the binding
 * its Role, the identity its owner Secret), readiness taken from ONE shared watch (an informer) for every
 * session, and deleted the same way. No Temporal, no API: the lower bound an orchestrator's figures are
 * compared with.
 */
import * as k8s from '@kubernetes/client-node';
import {
  buildCredentialsSecret,
  buildMcpSecret,
  buildSessionConfigMap,
  buildSessionPod,
  buildSessionPvc,
  buildSessionService,
} from '../src/k8s/manifests.js';
import {
  buildCredentialsSyncRole,
  buildCredentialsSyncRoleBinding,
  buildCredentialsSyncServiceAccount,
  credentialsSyncName,
} from '../src/k8s/credentials-sync-identity.js';
import { sessionObjectNames, userLabelValue } from '../src/k8s/names.js';
import { USER_LABEL } from '../src/k8s/labels.js';
import type { SessionSpec } from '../workflows/contract/spec.js';

type Waiter = { until: (pod: k8s.V1Pod | undefined) => boolean; resolve: () => void };

const isReady = (pod: k8s.V1Pod | undefined) =>
  pod?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
const isBound = (pod: k8s.V1Pod | undefined) => Boolean(pod?.spec?.nodeName);

/** One floor create, ms from its first call: the scheduler's binding as the watch saw it, and Ready. */
export interface FloorCreateTiming {
  boundMs: number;
  readyMs: number;
}

export class Floor {
  private readonly core: k8s.CoreV1Api;
  private readonly rbac: k8s.RbacAuthorizationV1Api;
  private readonly informer: k8s.Informer<k8s.V1Pod> & k8s.ObjectCache<k8s.V1Pod>;
  private readonly waiters = new Map<string, Waiter[]>();
  private stopped = false;

  constructor(
    kc: k8s.KubeConfig,
    private readonly namespace: string,
    user: string,
  ) {
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    const labelSelector = `${USER_LABEL}=${userLabelValue(user)}`;
    this.informer = k8s.makeInformer<k8s.V1Pod>(
      kc,
      `/api/v1/namespaces/${namespace}/pods`,
      () => this.core.listNamespacedPod({ namespace, labelSelector }),
      labelSelector,
    );
    const check = (pod: k8s.V1Pod, gone: boolean) => {
      const name = pod.metadata?.name ?? '';
      const waiting = this.waiters.get(name) ?? [];
      const met = waiting.filter((waiter) => waiter.until(gone ? undefined : pod));
      this.keepWaiting(
        name,
        waiting.filter((waiter) => !met.includes(waiter)),
      );
      for (const waiter of met) waiter.resolve();
    };
    this.informer.on('add', (pod) => check(pod, false));
    this.informer.on('update', (pod) => check(pod, false));
    this.informer.on('delete', (pod) => check(pod, true));
    this.informer.on('error', () => {
      if (!this.stopped) setTimeout(() => void this.informer.start().catch(() => undefined), 1000);
    });
  }

  start(): Promise<void> {
    return this.informer.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.informer.stop();
  }

  private keepWaiting(name: string, waiters: Waiter[]): void {
    if (waiters.length) this.waiters.set(name, waiters);
    else this.waiters.delete(name);
  }

  /** Resolves when the pod satisfies `until` (undefined: it is gone), as seen by the shared watch. */
  private waitFor(name: string, until: Waiter['until'], timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.keepWaiting(
          name,
          (this.waiters.get(name) ?? []).filter((w) => w !== waiter),
        );
        const state = until === isReady ? 'Ready' : until === isBound ? 'bound' : 'gone';
        reject(new Error(`floor: pod ${name} not ${state} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        until,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      // The watch may have delivered the state before the waiter was registered.
      if (until(this.informer.get(name, this.namespace))) {
        waiter.resolve();
        return;
      }
      this.waiters.set(name, [...(this.waiters.get(name) ?? []), waiter]);
    });
  }

  /** Creates the session's objects at once and resolves when its pod is Ready; the time in ms. */
  async create(spec: SessionSpec, timeoutMs: number): Promise<number> {
    return (await this.createTimed(spec, timeoutMs)).readyMs;
  }

  /** As `create`, with the moment the watch saw the pod bound to a node (the scheduler's part). */
  async createTimed(spec: SessionSpec, timeoutMs: number): Promise<FloorCreateTiming> {
    const started = performance.now();
    const pod = buildSessionPod(spec);
    const name = pod.metadata!.name!;
    let boundMs = NaN;
    const bound = this.waitFor(name, isBound, timeoutMs).then(() => (boundMs = performance.now() - started));
    const ready = this.waitFor(name, isReady, timeoutMs);
    // Awaited only once every create succeeded; a failed create must not leave its rejection unhandled.
    const seen = Promise.all([ready, bound]);
    seen.catch(() => undefined);
    const namespace = this.namespace;
    const pvc = buildSessionPvc(spec);
    const rbac = this.rbac;
    const credentialsAndPod = this.core
      .createNamespacedSecret({ namespace, body: buildCredentialsSecret(spec) })
      .then((secret) =>
        Promise.all([
          this.core
            .createNamespacedServiceAccount({ namespace, body: buildCredentialsSyncServiceAccount(spec, secret) })
            .then(() => this.core.createNamespacedPod({ namespace, body: pod })),
          rbac
            .createNamespacedRole({ namespace, body: buildCredentialsSyncRole(spec, secret) })
            .then(() =>
              rbac.createNamespacedRoleBinding({ namespace, body: buildCredentialsSyncRoleBinding(spec, secret) }),
            ),
        ]),
      );
    await Promise.all([
      credentialsAndPod,
      this.core.createNamespacedSecret({ namespace, body: buildMcpSecret(spec) }),
      this.core.createNamespacedConfigMap({ namespace, body: buildSessionConfigMap(spec) }),
      ...(pvc ? [this.core.createNamespacedPersistentVolumeClaim({ namespace, body: pvc })] : []),
      this.core.createNamespacedService({ namespace, body: buildSessionService(spec) }),
    ]);
    await seen;
    return { boundMs, readyMs: performance.now() - started };
  }

  /** Deletes the session's objects at once and resolves when its pod is gone; the time in ms. */
  async remove(spec: SessionSpec, timeoutMs: number): Promise<number> {
    const started = performance.now();
    const n = sessionObjectNames(spec.user, spec.sessionId);
    const credsync = credentialsSyncName(spec);
    const namespace = this.namespace;
    const gone = this.waitFor(n.pod, (p) => p === undefined, timeoutMs);
    gone.catch(() => undefined);
    const ignore404 = (err: unknown) => {
      if ((err as { code?: number }).code !== 404) throw err;
    };
    await Promise.all([
      this.core.deleteNamespacedPod({ name: n.pod, namespace }).catch(ignore404),
      this.core.deleteNamespacedService({ name: n.service, namespace }).catch(ignore404),
      this.core.deleteNamespacedConfigMap({ name: n.configMap, namespace }).catch(ignore404),
      this.core.deleteNamespacedSecret({ name: n.credsSecret, namespace }).catch(ignore404),
      this.core.deleteNamespacedSecret({ name: n.mcpSecret, namespace }).catch(ignore404),
      this.core.deleteNamespacedServiceAccount({ name: credsync, namespace }).catch(ignore404),
      this.rbac.deleteNamespacedRole({ name: credsync, namespace }).catch(ignore404),
      this.rbac.deleteNamespacedRoleBinding({ name: credsync, namespace }).catch(ignore404),
      ...(buildSessionPvc(spec)
        ? [this.core.deleteNamespacedPersistentVolumeClaim({ name: n.pvc, namespace }).catch(ignore404)]
        : []),
    ]);
    await gone;
    return performance.now() - started;
  }
}
