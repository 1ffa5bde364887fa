import type * as k8s from '@kubernetes/client-node';
import { NodeLossReason, classifyNode } from '../../src/k8s/node-status.js';

const markers = { taints: ['aws-node-termination-handler/spot-itn', 'karpenter.sh/disrupted'], labels: ['spot/itn'] };

function node(patch: { ready?: string; taints?: string[]; unschedulable?: boolean; labels?: string[] }): k8s.V1Node {
  return {
    metadata: { name: 'n1', labels: Object.fromEntries((patch.labels ?? []).map((l) => [l, 'true'])) },
    spec: {
      unschedulable: patch.unschedulable,
      taints: (patch.taints ?? []).map((key) => ({ key, effect: 'NoSchedule' })),
    },
    status: { conditions: [{ type: 'Ready', status: patch.ready ?? 'True' }] },
  };
}

describe('classifying a node for its session pods', () => {
  test('a healthy node, even cordoned for maintenance, loses nothing', () => {
    expect(classifyNode(node({}), markers)).toBeUndefined();
    expect(classifyNode(node({ unschedulable: true }), markers)).toBeUndefined();
  });

  test.each(['False', 'Unknown'])('Ready=%s is a hard node loss', (ready) => {
    expect(classifyNode(node({ ready }), markers)?.reason).toBe(NodeLossReason.Lost);
  });

  test.each(['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready'])(
    'the %s taint is a hard node loss',
    (taint) => {
      expect(classifyNode(node({ taints: [taint] }), markers)?.reason).toBe('node-lost');
    },
  );

  test('a configured interruption taint is an interruption notice, cordoned or not (Karpenter does not cordon)', () => {
    expect(classifyNode(node({ taints: ['karpenter.sh/disrupted'] }), markers)).toEqual({
      reason: 'node-interruption',
      message: 'node n1 is marked for interruption (taint karpenter.sh/disrupted)',
    });
    expect(
      classifyNode(node({ unschedulable: true, taints: ['aws-node-termination-handler/spot-itn'] }), markers)?.reason,
    ).toBe('node-interruption');
  });

  test('an interruption label counts only on a cordoned node', () => {
    expect(classifyNode(node({ labels: ['spot/itn'] }), markers)).toBeUndefined();
    expect(classifyNode(node({ labels: ['spot/itn'], unschedulable: true }), markers)?.reason).toBe(
      'node-interruption',
    );
  });

  test('an unconfigured taint is not an interruption', () => {
    expect(classifyNode(node({ taints: ['example.com/other'] }), markers)).toBeUndefined();
  });

  test('a NotReady node being interrupted is a hard loss: there is no grace left to use', () => {
    expect(classifyNode(node({ ready: 'Unknown', taints: ['karpenter.sh/disrupted'] }), markers)?.reason).toBe(
      'node-lost',
    );
  });
});
