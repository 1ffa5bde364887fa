/**
 * Open watch connections on the kube-apiserver, from its own `/metrics`
 * (`apiserver_longrunning_requests{verb="WATCH"}`), so "no watch per session" is measured where it counts.
 */
import https from 'node:https';
import type * as k8s from '@kubernetes/client-node';

export interface WatchCount {
  total: number;
  pods: number;
}

export async function apiserverWatches(kc: k8s.KubeConfig): Promise<WatchCount> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('no current cluster in the kubeconfig');
  const url = new URL('/metrics', cluster.server);
  const options: https.RequestOptions = { method: 'GET' };
  await kc.applyToHTTPSOptions(options);
  const text = await new Promise<string>((resolve, reject) => {
    const req = https.request(url, { ...options, timeout: 30_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`/metrics: ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('/metrics: no answer in 30 s')));
    req.on('error', reject);
    req.end();
  });
  let total = 0;
  let pods = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_longrunning_requests{') || !line.includes('verb="WATCH"')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    total += value;
    if (line.includes('resource="pods"')) pods += value;
  }
  return { total, pods };
}
