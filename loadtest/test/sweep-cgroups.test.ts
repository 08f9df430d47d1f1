// Process mode with real limits: each replica runs in its own cgroup v1 groups with the configuration's
// CPU quota and memory limit, and the groups are gone when the sweep ends — normally or on SIGINT.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dataDir, startTs } from '@covertype/testkit';
import { probeCgroups } from '../sweep/cgroups.ts';
import type { SweepResult } from '../sweep/types.ts';

const main = fileURLToPath(new URL('../sweep/main.ts', import.meta.url));
// The sweep inherits this process's groups, so it makes its own under the same parents.
const support = probeCgroups();
const skip =
  process.getuid?.() !== 0
    ? 'creating cgroups needs root'
    : support.ok
      ? false
      : `cgroup v1 limits unavailable: ${support.reason}`;

interface Seen {
  quotaUs: number;
  periodUs: number;
  limitBytes: number;
  pids: number[];
}

/** The sweep's groups (named after its pid) in both hierarchies, read from the kernel's files now. */
function groupsOf(sweepPid: number): Map<string, Seen> {
  const seen = new Map<string, Seen>();
  if (!support.ok) return seen;
  const prefix = `covertype-sweep-${sweepPid}-`;
  for (const name of readdirSync(support.cpuParent).filter((n) => n.startsWith(prefix))) {
    try {
      const cpu = path.join(support.cpuParent, name);
      const mem = path.join(support.memoryParent, name);
      const num = (file: string) => Number(readFileSync(file, 'utf8').trim());
      seen.set(name.slice(prefix.length), {
        quotaUs: num(path.join(cpu, 'cpu.cfs_quota_us')),
        periodUs: num(path.join(cpu, 'cpu.cfs_period_us')),
        limitBytes: num(path.join(mem, 'memory.limit_in_bytes')),
        pids: readFileSync(path.join(cpu, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number),
      });
    } catch {
      // created or removed between readdir and read: the next poll sees it settled
    }
  }
  return seen;
}

function leftovers(sweepPid: number): string[] {
  if (!support.ok) return [];
  return [support.cpuParent, support.memoryParent].flatMap((parent) =>
    readdirSync(parent)
      .filter((n) => n.startsWith(`covertype-sweep-${sweepPid}-`))
      .map((n) => path.join(parent, n)),
  );
}

async function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const [code] = await once(child, 'exit');
  return code as number | null;
}

const sweepEnv = (out: string) => ({
  COVERTYPE_DATA_DIR: dataDir(),
  SWEEP_MODE: 'process',
  SWEEP_LIMITS: 'cgroups',
  SWEEP_OUT_DIR: out,
  SWEEP_WARMUP_SECONDS: '0',
  SWEEP_START_RATE: '50',
  SWEEP_MAX_STEPS: '1',
  SWEEP_P95_MS: '2000',
});

test('each replica runs with its configuration CPU quota and memory limit; the groups are gone afterwards', {
  skip,
}, async () => {
  const out = await mkdtemp(path.join(tmpdir(), 'sweep-cgroups-'));
  const sweep = startTs(main, sweepEnv(out), ['--configs', '1:0.5:500M,2:0.25:300M', '--step-seconds', '2']);
  const pid = sweep.child.pid ?? -1;
  const observed = new Map<string, Seen>();
  // Watch the groups from outside while the sweep runs (keep the last reading that had a process in it).
  const poll = setInterval(() => {
    for (const [name, g] of groupsOf(pid)) if (g.pids.length) observed.set(name, g);
  }, 100);
  try {
    const code = await exited(sweep.child);
    clearInterval(poll);
    assert.equal(code, 0, sweep.output());
    const mb = 1024 * 1024;
    assert.deepEqual(
      Object.fromEntries([...observed].map(([n, g]) => [n, [g.quotaUs, g.periodUs, g.limitBytes]])),
      {
        'c1-r1': [50_000, 100_000, 500 * mb],
        'c2-r1': [25_000, 100_000, 300 * mb],
        'c2-r2': [25_000, 100_000, 300 * mb],
      },
    );
    assert.deepEqual(leftovers(pid), [], 'groups left behind');
    const [stamp] = (await readdir(out)).filter((d) => !d.startsWith('.'));
    const dir = path.join(out, stamp ?? '');
    const raw = JSON.parse(await readFile(path.join(dir, 'results.json'), 'utf8')) as SweepResult;
    assert.equal(raw.limitsEnforced, true);
    // The sweep read the same values back while its replicas ran, and the report says they were enforced.
    assert.deepEqual(
      raw.configs.flatMap((c) => c.replicas.map((r) => [r.limits?.cpuQuotaUs, r.limits?.memoryLimitBytes])),
      [
        [50_000, 500 * mb],
        [25_000, 300 * mb],
        [25_000, 300 * mb],
      ],
    );
    const md = await readFile(path.join(dir, 'report.md'), 'utf8');
    // The quota was active: the kernel counted CFS periods for every replica.
    for (const r of raw.configs.flatMap((c) => c.replicas)) {
      assert.ok((r.cpuThrottling?.periods ?? 0) > 0, `${r.name}: no CFS periods counted`);
    }
    assert.match(md, /CPU and memory limits are enforced with cgroup v1/);
    assert.match(md, /The CPU quota throttled its replicas in \d+\.\d % of the CFS periods/);
    assert.doesNotMatch(md, /not enforced/i);
  } finally {
    clearInterval(poll);
    await sweep.stop();
    await rm(out, { recursive: true, force: true });
  }
});

test('SIGINT during a sweep stops its replicas and removes their groups', { skip }, async () => {
  const out = await mkdtemp(path.join(tmpdir(), 'sweep-cgroups-int-'));
  const sweep = startTs(main, sweepEnv(out), ['--configs', '2:0.5:500M', '--step-seconds', '600']);
  const pid = sweep.child.pid ?? -1;
  try {
    // Wait until both replicas are in their groups (bounded by the test's own timeout).
    let members: number[] = [];
    while (members.length < 2) {
      if (sweep.child.exitCode !== null) assert.fail(`the sweep ended early: ${sweep.output()}`);
      await new Promise((r) => setTimeout(r, 100));
      members = [...groupsOf(pid).values()].flatMap((g) => g.pids);
    }
    sweep.child.kill('SIGINT');
    const code = await exited(sweep.child);
    assert.equal(code, 130, sweep.output());
    assert.deepEqual(leftovers(pid), [], 'groups left behind');
    assert.deepEqual(
      members.filter(
        (p) => existsSync(`/proc/${p}`) && !/State:\s+Z/.test(readFileSync(`/proc/${p}/status`, 'utf8')),
      ),
      [],
      'replicas still running',
    );
  } finally {
    await sweep.stop();
    await rm(out, { recursive: true, force: true });
  }
});

test('replicas that cannot start: one line, a non-zero exit, no report of zeros and no groups left', {
  skip,
}, async () => {
  const out = await mkdtemp(path.join(tmpdir(), 'sweep-cgroups-fail-'));
  try {
    const sweep = startTs(
      main,
      {
        ...sweepEnv(out),
        SWEEP_MODEL_URI: 'unused',
        // A "server" that exits at once: every configuration fails before it is measured.
        SWEEP_SERVER_ENTRY: fileURLToPath(new URL('./fixtures/exits-at-once.ts', import.meta.url)),
      },
      ['--configs', '1:0.5:500M'],
    );
    const code = await exited(sweep.child);
    assert.equal(code, 1, sweep.output());
    assert.match(
      sweep.output(),
      /^loadtest-sweep: no configuration could be measured in process mode: replica exited before it was ready/m,
    );
    assert.deepEqual(
      (await readdir(out)).filter((d) => !d.startsWith('.')),
      [],
      'a report was written',
    );
    assert.deepEqual(leftovers(sweep.child.pid ?? -1), [], 'groups left behind');
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('a replica beyond its memory limit is OOM-killed by the kernel and reported per configuration', {
  skip,
}, async () => {
  const out = await mkdtemp(path.join(tmpdir(), 'sweep-cgroups-oom-'));
  try {
    // 32 MB is far below what a Node process with the model needs: the kernel kills it while it starts.
    const sweep = startTs(main, sweepEnv(out), ['--configs', '1:0.5:32M,1:0.5:500M', '--step-seconds', '1']);
    assert.equal(await exited(sweep.child), 0, sweep.output());
    assert.deepEqual(leftovers(sweep.child.pid ?? -1), [], 'groups left behind');
    const [stamp] = (await readdir(out)).filter((d) => !d.startsWith('.'));
    const dir = path.join(out, stamp ?? '');
    const raw = JSON.parse(await readFile(path.join(dir, 'results.json'), 'utf8')) as SweepResult;
    const [small, big] = raw.configs;
    assert.equal(small?.error, '1 replica(s) OOM-killed at the 32 MB memory limit before being ready');
    assert.equal(small?.replicas[0]?.oomKilled, true);
    assert.ok((small?.replicas[0]?.memoryLimitHits ?? 0) > 0, 'memory.failcnt counted the limit being hit');
    assert.equal(big?.error, undefined);
    assert.equal(big?.replicas[0]?.oomKilled, false);
    const md = await readFile(path.join(dir, 'report.md'), 'utf8');
    assert.match(md, /^\| 1 × \(0\.5 CPU, 32 MB\) \|.*\| 1 \/ 1 \|/m);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
