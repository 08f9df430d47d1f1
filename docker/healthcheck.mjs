// HEALTHCHECK of the Node images (no curl in them): exit 0 when healthy, 1 otherwise.
// HTTP services (PORT set): GET http://127.0.0.1:$PORT$HEALTHCHECK_PATH (default /healthz) answers 2xx.
// Services without a port (the trainer's scheduler): the service's process is alive and not stopped.
import { readdirSync, readFileSync } from 'node:fs';

const port = process.env.PORT;
if (port) {
  const url = `http://127.0.0.1:${port}${process.env.HEALTHCHECK_PATH ?? '/healthz'}`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2500) });
    if (!res.ok) console.error(`healthcheck: ${url} answered HTTP ${res.status}`);
    process.exit(res.ok ? 0 : 1);
  } catch (err) {
    console.error(`healthcheck: ${url} unreachable: ${err.cause?.code ?? err.message}`);
    process.exit(1);
  }
}

// /proc/<pid>/stat: "pid (comm) state ..."; Z = zombie, T = stopped.
const entry = process.env.APP_MAIN ?? 'dist/main.mjs';
const alive = readdirSync('/proc')
  .filter((pid) => /^\d+$/.test(pid) && Number(pid) !== process.pid)
  .some((pid) => {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (!/node$/.test(argv[0] ?? '') || !argv.some((arg) => arg.endsWith(entry))) return false;
      const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
      return state !== 'Z' && state !== 'T';
    } catch {
      return false;
    }
  });
if (!alive) console.error(`healthcheck: no running process of ${entry}`);
process.exit(alive ? 0 : 1);
