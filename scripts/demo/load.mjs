// A short closed-loop load for the demo: `connections` workers each send one /predict request after
// another for `seconds`, cycling through labelled rows. Plain fetch, so the demo needs no extra tool;
// the k6 scenarios in loadtest/ are the real load tests.

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * @param {{ url: string, rows: Record<string, unknown>[], seconds: number, connections: number }} options
 * rows carry Cover_Type, which is compared with the prediction and not sent.
 */
export async function runLoad({ url, rows, seconds, connections }) {
  if (rows.length === 0) throw new Error('runLoad: no rows to send');
  const bodies = rows.map(({ Cover_Type, ...features }) => JSON.stringify(features));
  const labels = rows.map((row) => row.Cover_Type);
  const verdicts = new Map();
  const latencies = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;

  async function worker() {
    while (performance.now() < deadline) {
      const index = next++ % bodies.length;
      const t0 = performance.now();
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: bodies[index],
        });
        const body = await res.json();
        latencies.push(performance.now() - t0);
        if (!res.ok) errors++;
        else if (!verdicts.has(index)) verdicts.set(index, body.Cover_Type === labels[index]);
      } catch {
        errors++;
      }
    }
  }
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const correct = [...verdicts.values()].filter(Boolean).length;
  return {
    seconds,
    connections,
    requests: latencies.length,
    errors,
    rps: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? 0,
    checked: verdicts.size,
    agreement: verdicts.size ? correct / verdicts.size : 0,
  };
}
