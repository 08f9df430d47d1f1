import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Charts, renderCharts } from './charts.ts';
import { renderHtml, renderMarkdown } from './report.ts';
import type { SweepResult } from './types.ts';

export interface ReportFiles {
  dir: string;
  markdown: string;
  html: string;
  results: string;
  charts: Record<keyof Charts, string>;
}

/** Writes results.json, charts/*.svg, report.md and report.html (charts inlined) into `dir`. */
export async function writeReport(result: SweepResult, dir: string): Promise<ReportFiles> {
  await mkdir(path.join(dir, 'charts'), { recursive: true });
  const charts = await renderCharts(result);
  const chartFiles = {
    throughput: 'charts/throughput-vs-replicas.svg',
    latency: 'charts/latency-vs-load.svg',
    memory: 'charts/memory-per-replica.svg',
  };
  for (const key of Object.keys(chartFiles) as Array<keyof Charts>) {
    await writeFile(path.join(dir, chartFiles[key]), charts[key]);
  }
  const files = {
    dir,
    markdown: path.join(dir, 'report.md'),
    html: path.join(dir, 'report.html'),
    results: path.join(dir, 'results.json'),
    charts: chartFiles,
  };
  await writeFile(files.results, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(files.markdown, renderMarkdown(result, chartFiles));
  await writeFile(files.html, renderHtml(result, charts, chartFiles));
  return files;
}
