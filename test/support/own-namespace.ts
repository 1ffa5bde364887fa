/**
 * A session namespace of the test's own. Every worker on the shared stack runs a pod informer on the
 * shared session namespace and signals `podLost` to whichever session loses a pod there — encrypted with
 * its own codec key, which this test's worker cannot decode. Tests that must see their sessions finish
 * (a trace is only complete when the workflow ends) keep their pods where no other informer looks.
 */
import { createKubeClients } from '../../src/k8s/client.js';
import { stackKubeConfig, uniqueSuffix } from './stack.js';
import { eventually } from './wait.js';

export async function createOwnSessionNamespace(prefix: string): Promise<{ name: string; remove(): Promise<void> }> {
  const kube = createKubeClients(stackKubeConfig());
  const name = `${prefix}-${uniqueSuffix()}`;
  await kube.core.createNamespace({
    body: {
      metadata: {
        name,
        labels: {
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
        },
      },
    },
  });
  await eventually(`the default ServiceAccount in ${name}`, async () =>
    (await kube.core.readNamespacedServiceAccount({ name: 'default', namespace: name })) ? true : undefined,
  );
  return {
    name,
    async remove() {
      await kube.core.deleteNamespace({ name }).catch(() => undefined);
    },
  };
}
