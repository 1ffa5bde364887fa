import { ConfigError, loadConfig } from '../../src/config.js';
import { workerTuning } from '../../src/temporal/worker-tuning.js';

const KEY = `k1:${Buffer.alloc(32, 1).toString('base64')}`;

describe('worker tuning settings', () => {
  test('safe defaults: 100 activities, 40 workflow tasks, 500 cached workflows, a 10 s sticky timeout', () => {
    const config = loadConfig({ TEMPORAL_CODEC_KEYS: KEY });
    expect(workerTuning(config)).toEqual({
      maxConcurrentActivityTaskExecutions: 100,
      maxConcurrentWorkflowTaskExecutions: 40,
      maxCachedWorkflows: 500,
      stickyQueueScheduleToStartTimeout: '10 seconds',
    });
  });

  test('each variable reaches the worker options', () => {
    const config = loadConfig({
      TEMPORAL_CODEC_KEYS: KEY,
      WORKER_MAX_CONCURRENT_ACTIVITIES: '250',
      WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '60',
      WORKER_MAX_CACHED_WORKFLOWS: '2000',
      WORKER_STICKY_QUEUE_TIMEOUT: '2m',
    });
    expect(workerTuning(config)).toEqual({
      maxConcurrentActivityTaskExecutions: 250,
      maxConcurrentWorkflowTaskExecutions: 60,
      maxCachedWorkflows: 2000,
      stickyQueueScheduleToStartTimeout: '120 seconds',
    });
  });

  test('workflow tasks never outnumber cached workflows, unless caching is off', () => {
    const small = loadConfig({ TEMPORAL_CODEC_KEYS: KEY, WORKER_MAX_CACHED_WORKFLOWS: '8' });
    expect(workerTuning(small).maxConcurrentWorkflowTaskExecutions).toBe(8);
    const off = loadConfig({ TEMPORAL_CODEC_KEYS: KEY, WORKER_MAX_CACHED_WORKFLOWS: '0' });
    expect(workerTuning(off)).toMatchObject({ maxCachedWorkflows: 0, maxConcurrentWorkflowTaskExecutions: 40 });
  });

  test.each([
    ['WORKER_MAX_CONCURRENT_ACTIVITIES', '0'],
    ['WORKER_MAX_CONCURRENT_ACTIVITIES', 'many'],
    ['WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', '1'],
    ['WORKER_MAX_CACHED_WORKFLOWS', '1'],
    ['WORKER_MAX_CACHED_WORKFLOWS', '-3'],
    ['WORKER_STICKY_QUEUE_TIMEOUT', '0'],
    ['WORKER_STICKY_QUEUE_TIMEOUT', '5h'],
  ])('%s=%s is refused and named', (variable, value) => {
    expect(() => loadConfig({ TEMPORAL_CODEC_KEYS: KEY, [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ TEMPORAL_CODEC_KEYS: KEY, [variable]: value })).toThrow(
      expect.objectContaining({ problems: [expect.objectContaining({ variable })] }),
    );
  });
});
