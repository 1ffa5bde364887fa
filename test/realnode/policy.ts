/**
 * The session NetworkPolicy the real-node test enforces: issue 8's ingress contract — session pods accept
 * traffic on the agent port only from the orchestrator's own pods. Kept apart so the test can switch to
 * the product's builder (src/k8s, from the security work) by replacing this one function.
 */
import type * as k8s from '@kubernetes/client-node';
import { AGENT_PORT } from '../../src/k8s/manifests.js';
import { APP_LABEL, SESSION_APP, SESSION_ID_LABEL } from '../../src/k8s/labels.js';

/** Label of the orchestrator's pods (deploy/orchestrator.yaml). */
export const ORCHESTRATOR_LABELS = { app: 'session-orchestrator' };

export function sessionIngressPolicy(opts: {
  name: string;
  namespace: string;
  orchestratorNamespace: string;
  /** Limits the policy to these sessions, so a test never isolates other tests' pods on the shared stack. */
  sessionIds: string[];
}): k8s.V1NetworkPolicy {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: opts.name, namespace: opts.namespace },
    spec: {
      podSelector: {
        matchLabels: { [APP_LABEL]: SESSION_APP },
        matchExpressions: [{ key: SESSION_ID_LABEL, operator: 'In', values: opts.sessionIds }],
      },
      policyTypes: ['Ingress'],
      ingress: [
        {
          _from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': opts.orchestratorNamespace } },
              podSelector: { matchLabels: ORCHESTRATOR_LABELS },
            },
          ],
          ports: [{ protocol: 'TCP', port: AGENT_PORT }],
        },
      ],
    },
  };
}
