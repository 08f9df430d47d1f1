// Parsing `docker stats --no-stream --format json` (NDJSON, one object per container) and
// `docker inspect` state. Pure, so the recorded output in test/fixtures can check it.

export interface ContainerSample {
  name: string;
  cpuPercent: number;
  memoryMb: number;
  memoryLimitMb: number;
}

const UNITS: Record<string, number> = {
  B: 1 / 1024 / 1024,
  KiB: 1 / 1024,
  MiB: 1,
  GiB: 1024,
  TiB: 1024 * 1024,
  kB: 1000 / 1024 / 1024,
  KB: 1000 / 1024 / 1024,
  MB: 1e6 / 1024 / 1024,
  GB: 1e9 / 1024 / 1024,
};

/** "78.1MiB" → 78.1 (MB as the report uses them, i.e. MiB). */
export function parseSize(text: string): number {
  const m = /^([\d.]+)\s*([A-Za-z]+)$/.exec(text.trim());
  const factor = m ? UNITS[m[2] ?? ''] : undefined;
  if (!m || factor === undefined)
    throw new Error(`docker stats size ${JSON.stringify(text)}: expected e.g. 78.1MiB`);
  return Number(m[1]) * factor;
}

export function parseStats(ndjson: string): ContainerSample[] {
  return ndjson
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => {
      const s = JSON.parse(line) as { Name: string; CPUPerc: string; MemUsage: string };
      const [used = '0B', limit = '0B'] = s.MemUsage.split('/');
      return {
        name: s.Name,
        cpuPercent: Number.parseFloat(s.CPUPerc) || 0,
        memoryMb: parseSize(used),
        memoryLimitMb: parseSize(limit),
      };
    });
}

/** `docker inspect --format '{{.Name}} {{.RestartCount}} {{.State.OOMKilled}}'` lines. */
export function parseInspect(text: string): Array<{ name: string; restarts: number; oomKilled: boolean }> {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((p) => p.length === 3)
    .map(([name = '', restarts = '0', oom = 'false']) => ({
      name: name.replace(/^\//, ''),
      restarts: Number(restarts) || 0,
      oomKilled: oom === 'true',
    }));
}
