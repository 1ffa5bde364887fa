/**
 * The benchmark's slot and cache peaks: read from the SDK's exposition for the run's own task queue only,
 * kept as the highest value per phase, and reported against the configured limits.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseSlotSample, SlotSampler, slotsSection } from '../../bench/worker-slots.js';

const exposition = (queue: string, wf: number, act: number, cache: number, wfTotal = 60) =>
  [
    '# TYPE temporal_worker_task_slots_used gauge',
    `temporal_worker_task_slots_used{namespace="default",service_name="temporal-core-sdk",task_queue="${queue}",worker_type="ActivityWorker"} ${act}`,
    `temporal_worker_task_slots_used{namespace="default",service_name="temporal-core-sdk",task_queue="${queue}",worker_type="LocalActivityWorker"} 99`,
    `temporal_worker_task_slots_used{namespace="default",service_name="temporal-core-sdk",task_queue="${queue}",worker_type="WorkflowWorker"} ${wf}`,
    '# TYPE temporal_worker_task_slots_available gauge',
    `temporal_worker_task_slots_available{namespace="default",service_name="temporal-core-sdk",task_queue="${queue}",worker_type="ActivityWorker"} ${100 - act}`,
    `temporal_worker_task_slots_available{namespace="default",service_name="temporal-core-sdk",task_queue="${queue}",worker_type="WorkflowWorker"} ${wfTotal - wf}`,
    '# TYPE temporal_sticky_cache_size gauge',
    `temporal_sticky_cache_size{namespace="default",service_name="temporal-core-sdk",task_queue="${queue}"} ${cache}`,
  ].join('\n');

test("a sample is the run's task queue's gauges (a limit: in use + available), not another queue's nor local activities'", () => {
  const text = `${exposition('other', 7, 8, 9)}\n${exposition('bench-1', 3, 12, 250)}`;
  expect(parseSlotSample(text, 'bench-1')).toEqual({
    workflowTasks: 3,
    workflowTaskSlots: 60,
    activities: 12,
    activitySlots: 100,
    cachedWorkflows: 250,
  });
  expect(parseSlotSample(text, 'bench-2')).toBeUndefined();
});

test('the section states each peak against its limit, per phase, and is absent without samples', () => {
  const lines = slotsSection({
    intervalMs: 1000,
    cacheLimit: 500,
    phases: [
      {
        phase: 'burst',
        samples: 90,
        workflowTasks: 10,
        workflowTaskSlots: 40,
        activities: 25,
        activitySlots: 100,
        cachedWorkflows: 500,
      },
    ],
  });
  expect(lines.join('\n').split('\n')).toContain(
    '| burst | 90 | 10 of 40 (25 %) | 25 of 100 (25 %) | 500 of 500 (100 %) |',
  );
  expect(
    slotsSection({
      intervalMs: 1000,
      cacheLimit: 500,
      phases: [],
    }),
  ).toEqual([]);
});

test("the sampler keeps each phase's peaks and takes the limit the worker reports most, not a torn read", async () => {
  // A scrape between the SDK's two gauge updates sees one slot too many in total.
  const scrapes = [exposition('q', 5, 1, 10, 40), exposition('q', 9, 3, 20, 41), exposition('q', 2, 7, 30, 40)];
  const server = createServer((_req, res) => res.end(scrapes.shift() ?? ''));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let phase = 'burst';
  const sampler = new SlotSampler(
    `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`,
    'q',
    60_000,
    () => phase,
  );
  try {
    await sampler.sample();
    await sampler.sample();
    phase = 'hold';
    await sampler.sample();
    await sampler.sample(); // nothing served: no sample
  } finally {
    sampler.stop();
    server.close();
  }
  expect(sampler.phases()).toEqual([
    {
      phase: 'burst',
      samples: 2,
      workflowTasks: 9,
      workflowTaskSlots: 40,
      activities: 3,
      activitySlots: 100,
      cachedWorkflows: 20,
    },
    {
      phase: 'hold',
      samples: 1,
      workflowTasks: 2,
      workflowTaskSlots: 40,
      activities: 7,
      activitySlots: 100,
      cachedWorkflows: 30,
    },
  ]);
});
