/**
 * One pool of apiserver connections per process. client-node 2.0's `applySecurityAuthentication` — run for
 * every API call — builds a new undici Agent each time, so every call opened its own TCP+TLS connection
 * (a fresh SecureContext, a handshake and a client-certificate signature): in the benchmark that was a
 * quarter of the worker's CPU (`TLSSocket._start`, `getPeerCertificate`, `SecureContext` at the top of its
 * profile). Keeping the first Agent per (cluster, user) makes calls share keep-alive connections, as
 * client-go does. The auth headers (bearer tokens that rotate) are still applied on every call; only the
 * TLS material is fixed for the Agent's life, as it already is for client-node's own watch agents.
 */
import type * as k8s from '@kubernetes/client-node';

type Context = Parameters<k8s.KubeConfig['applySecurityAuthentication']>[0];
type Dispatcher = NonNullable<ReturnType<Context['getDispatcher']>>;

const pooledConfigs = new WeakSet<k8s.KubeConfig>();

/** Makes every API client built from `kc` share one connection pool per (cluster, user); returns `kc`. */
export function poolConnections(kc: k8s.KubeConfig): k8s.KubeConfig {
  if (pooledConfigs.has(kc)) return kc;
  pooledConfigs.add(kc);
  const applyPerCall = kc.applySecurityAuthentication.bind(kc);
  const agents = new Map<string, Dispatcher>();
  kc.applySecurityAuthentication = async (context: Context) => {
    await applyPerCall(context);
    const fresh = context.getDispatcher();
    if (!fresh) return;
    const key = JSON.stringify([kc.getCurrentCluster()?.name ?? '', kc.getCurrentUser()?.name ?? '']);
    const kept = agents.get(key);
    if (!kept) {
      agents.set(key, fresh);
      return;
    }
    context.setDispatcher(kept);
    // The fresh Agent never connected; closing it only releases the object.
    void fresh.close().catch(() => undefined);
  };
  return kc;
}
