/**
 * The benchmark's slot and cache peaks: read from the SDK's exposition for the run's own task queue only,
 * kept as the highest value per phase, and reported against the configured limits.
 */
import { parseSlotSample, slotsSection } from '../../bench/worker-slots.js';

const exposition = (queue: string, wf: number, act: number, cache: number) =>
  [
    '# TYPE temporal_worker_task_slots_used gauge',
    `temporal_worker_task_slots_used{namespace="default",service_name="temporal-core-sdk",task_queue="${queue}",worker_type="ActivityWorker"} ${act}`,
    `temporal_worker_task_slots_used{namespace="default",service_name="temporal-core-sdk",task_queue="${queue}",worker_type="LocalActivityWorker"} 99`,
    `temporal_worker_task_slots_used{namespace="default",service_name="temporal-core-sdk",task_queue="${queue}",worker_type="WorkflowWorker"} ${wf}`,
    '# TYPE temporal_worker_task_slots_available gauge',
    `temporal_worker_task_slots_available{namespace="default",service_name="temporal-core-sdk",task_queue="${queue}",worker_type="ActivityWorker"} ${100 - act}`,
    `temporal_worker_task_slots_available{namespace="default",service_name="temporal-core-sdk",task_queue="${queue}",worker_type="WorkflowWorker"} ${60 - wf}`,
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
