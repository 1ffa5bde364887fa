import { commandLine, parseOptions } from '../../bench/options.js';

describe('benchmark options', () => {
  test('without flags the benchmark runs at the full scale its targets are set for', () => {
    expect(parseOptions([], {})).toMatchObject({
      scenarios: ['sequential', 'burst', 'hold', 'sse'],
      sequential: 50,
      burst: 1000,
      concurrency: 50,
      users: 40,
      hold: 3000,
      sseSessions: 300,
      sseStreams: 3000,
      floor: true,
    });
    expect(commandLine(parseOptions([], {}))).toBe('npm run bench');
  });

  test('flags win over BENCH_* variables, and the report prints a command that reproduces the run', () => {
    const options = parseOptions(['--burst', '100', '--sse-streams', '200', '--scenarios', 'burst,sse'], {
      BENCH_BURST: '7',
      BENCH_HOLD: '200',
    });
    expect(options).toMatchObject({ burst: 100, sseStreams: 200, hold: 200, scenarios: ['burst', 'sse'] });
    expect(parseOptions(commandLine(options).split(' ').slice(4), {})).toEqual(options);
  });

  test('an unknown flag, scenario or a bad number is refused before anything starts', () => {
    expect(() => parseOptions(['--bursts', '1'], {})).toThrow();
    expect(() => parseOptions(['--scenarios', 'sequential,warp'], {})).toThrow();
    expect(() => parseOptions(['--burst', 'many'], {})).toThrow();
  });
});
