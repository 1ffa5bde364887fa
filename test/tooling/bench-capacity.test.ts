import type * as k8s from '@kubernetes/client-node';
import { peakSessionPods, podRoom } from '../../bench/capacity.js';
import { parseOptions } from '../../bench/options.js';

describe('the pods a benchmark run holds at its peak', () => {
  test('the full scale holds the 3,000 sessions of the hold and one create measured beside them', () => {
    expect(peakSessionPods(parseOptions([], {}))).toBe(3001);
  });

  test('the floor’s burst counts when it is larger than what the services keep', () => {
    expect(peakSessionPods(parseOptions(['--scenarios', 'burst', '--burst', '500'], {}))).toBe(501);
    expect(peakSessionPods(parseOptions(['--scenarios', 'sequential'], {}))).toBe(1);
    expect(peakSessionPods(parseOptions(['--scenarios', 'sse', '--sse-sessions', '40'], {}))).toBe(41);
  });

  test('the warm scenario adds a full pool and the claims that empty it, beside the kept sessions', () => {
    const options = parseOptions(['--scenarios', 'burst,warm', '--burst', '100', '--warm-pool', '30'], {});
    expect(peakSessionPods(options)).toBe(100 + 2 * 30 + 1);
  });
});

const node = (name: string, pods: string, extra: { ready?: boolean; unschedulable?: boolean } = {}): k8s.V1Node => ({
  metadata: { name },
  spec: { unschedulable: extra.unschedulable },
  status: {
    allocatable: { pods },
    conditions: [{ type: 'Ready', status: extra.ready === false ? 'False' : 'True' }],
  },
});
const pod = (nodeName: string | undefined, phase: string): k8s.V1Pod => ({
  spec: { nodeName, containers: [] },
  status: { phase },
});

describe('room for more pods on the stack', () => {
  test('counts the allocatable pods of Ready, schedulable nodes less the pods on them that have not ended', () => {
    const room = podRoom(
      [
        node('a', '110'),
        node('b', '110'),
        node('cordoned', '110', { unschedulable: true }),
        node('down', '110', { ready: false }),
      ],
      [
        pod('a', 'Running'),
        pod('a', 'Pending'),
        pod('b', 'Succeeded'),
        pod('cordoned', 'Running'),
        pod(undefined, 'Pending'),
      ],
    );
    expect(room).toEqual({ nodes: 2, allocatable: 220, used: 2, free: 218 });
  });
});
