/**
 * One pool of apiserver connections per process. client-node 2.0's `applySecurityAuthentication` — run for
 * every API call — builds a new undici Agent each time, so every call opened its own TCP+TLS connection
 * (a fresh SecureContext, a handshake and a client-certificate signature): in the benchmark that was a
 * quarter of the worker's CPU (`TLSSocket._start`, `getPeerCertificate`, `SecureContext` at the top of its
 * profile). Keeping the first Agent per (cluster, user) makes calls share keep-alive connections, as
 * client-go does. The auth headers (bearer tokens that rotate) are still applied on every call; only the
 * TLS material is fixed for the Agent's life, as it already is for client-node's own watch agents.
 */
import { readFileSync } from 'node:fs';
import type * as k8s from '@kubernetes/client-node';

type Context = Parameters<k8s.KubeConfig['applySecurityAuthentication']>[0];
type Dispatcher = NonNullable<ReturnType<Context['getDispatcher']>>;

const pooledConfigs = new WeakSet<k8s.KubeConfig>();

/** Makes every API client built from `kc` share one connection pool per (cluster, user); returns `kc`. */
export function poolConnections(kc: k8s.KubeConfig): k8s.KubeConfig {
  if (pooledConfigs.has(kc)) return kc;
  pooledConfigs.add(kc);
  inlineTlsFiles(kc);
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
    // The fresh Agent never connected: it holds no socket and no timer, so the GC takes it. Closing it
    // was not free — `close` ends in `destroy`, which builds a ClientDestroyedError (a stack trace) per call.
    context.setDispatcher(kept);
  };
  return kc;
}

/**
 * Reads the CA, client certificate and key files once, into the config's inline data. client-node reads
 * them from disk on every call (three synchronous reads), though only the first call's copy reaches the
 * pooled Agent; in the benchmark's profile those reads were the largest part of a call's authentication.
 * A file that cannot be read is left as a path, so the first call reports it as before.
 */
function inlineTlsFiles(kc: k8s.KubeConfig): void {
  // client-node prefers a file to inline data, so a readable file replaces the data.
  kc.clusters = kc.clusters.map((cluster) => {
    const caData = readBase64(cluster.caFile);
    return caData === undefined ? cluster : { ...cluster, caData, caFile: undefined };
  });
  kc.users = kc.users.map((user) => {
    const certData = readBase64(user.certFile);
    const keyData = readBase64(user.keyFile);
    if (certData === undefined && keyData === undefined) return user;
    return {
      ...user,
      ...(certData === undefined ? {} : { certData, certFile: undefined }),
      ...(keyData === undefined ? {} : { keyData, keyFile: undefined }),
    };
  });
}

function readBase64(file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file).toString('base64');
  } catch {
    return undefined;
  }
}
