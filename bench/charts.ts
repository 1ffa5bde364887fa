/**
 * PNG charts from Vega-Lite specs, rendered without a browser or native canvas: vega-lite → vega → SVG
 * (vega's headless renderer), then SVG → PNG with resvg (a prebuilt N-API binary from the npm registry).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

const FONT = 'DejaVu Sans';

async function renderPng(spec: TopLevelSpec, file: string): Promise<void> {
  const compiled = compile({
    ...spec,
    config: { font: FONT, background: 'white', ...(spec.config ?? {}) },
  } as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG(2);
  view.finalize();
  const png = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: FONT } }).render().asPng();
  writeFileSync(file, png);
}

export interface LatencySeries {
  series: string;
  values: number[];
}

/** Box plots of latency distributions (log scale: floors and orchestrator figures differ by orders). */
export async function latencyChart(dir: string, file: string, title: string, data: LatencySeries[]) {
  const rows = data.flatMap((d) => d.values.filter((v) => v > 0).map((ms) => ({ series: d.series, ms })));
  if (rows.length === 0) return undefined;
  await renderPng(
    {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title,
      width: 640,
      height: { step: 36 },
      data: { values: rows },
      mark: { type: 'boxplot', extent: 'min-max', size: 22 },
      encoding: {
        y: { field: 'series', type: 'nominal', title: null, sort: null },
        x: { field: 'ms', type: 'quantitative', title: 'ms (log scale)', scale: { type: 'log' } },
        color: { field: 'series', type: 'nominal', legend: null },
      },
    },
    join(dir, file),
  );
  return file;
}

/** Cumulative count of sessions running over time, one line per series (API vs floor). */
export async function runningOverTimeChart(
  dir: string,
  file: string,
  title: string,
  data: { series: string; at: number[] }[],
) {
  const rows = data.flatMap((d) => [
    { series: d.series, t: 0, running: 0 },
    ...d.at.map((t, i) => ({ series: d.series, t, running: i + 1 })),
  ]);
  if (rows.length === 0) return undefined;
  await renderPng(
    {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title,
      width: 640,
      height: 320,
      data: { values: rows },
      mark: { type: 'line', interpolate: 'step-after' },
      encoding: {
        x: { field: 't', type: 'quantitative', title: 'seconds since the burst started' },
        y: { field: 'running', type: 'quantitative', title: 'sessions running' },
        color: { field: 'series', type: 'nominal', title: null },
      },
    },
    join(dir, file),
  );
  return file;
}

/** API and worker RSS over the run. */
export async function rssChart(
  dir: string,
  file: string,
  points: { t: number; phase: string; apiRssMiB: number; workerRssMiB: number }[],
) {
  const rows = points.flatMap((p) => [
    { t: p.t, process: 'worker', MiB: p.workerRssMiB, phase: p.phase },
    { t: p.t, process: 'API', MiB: p.apiRssMiB, phase: p.phase },
  ]);
  if (rows.length === 0) return undefined;
  await renderPng(
    {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: 'RSS of the API and worker processes over the run',
      width: 640,
      height: 320,
      data: { values: rows },
      mark: 'line',
      encoding: {
        x: { field: 't', type: 'quantitative', title: 'seconds since the services started' },
        y: { field: 'MiB', type: 'quantitative', title: 'RSS (MiB)' },
        color: { field: 'process', type: 'nominal', title: null },
      },
    },
    join(dir, file),
  );
  return file;
}
