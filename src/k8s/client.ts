/**
 * The Kubernetes API clients the orchestrator uses, built once per process from one KubeConfig so every
 * call (and every watch) authenticates the same way.
 */
import * as k8s from '@kubernetes/client-node';
import { activeTelemetry } from '../telemetry.js';
import { tracedKubeApi } from '../telemetry-k8s.js';
import { poolConnections } from './pooled-connections.js';

/** The API clients of one process. `kc` is kept because watches and informers need the config itself. */
export interface KubeClients {
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  watch: k8s.Watch;
}

/**
 * Loads the process's KubeConfig: `$KUBECONFIG` (or `~/.kube/config`) when present, else the in-cluster
 * service-account token, which is how the worker authenticates when it runs as a pod.
 */
export function loadKubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  if (!kc.getCurrentCluster()) {
    throw new Error(
      'No Kubernetes cluster configured: set KUBECONFIG, or run in a pod with a service account token mounted.',
    );
  }
  return kc;
}

/** Builds the clients from `kc`, or from {@link loadKubeConfig} when none is given. */
export function createKubeClients(kc: k8s.KubeConfig = loadKubeConfig()): KubeClients {
  poolConnections(kc);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  // Each call becomes a span only when tracing is on; otherwise the plain client, at no cost.
  return { kc, core: activeTelemetry() ? tracedKubeApi(core, 'core/v1') : core, watch: new k8s.Watch(kc) };
}
