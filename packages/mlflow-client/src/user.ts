import os from 'node:os';

/**
 * The user a run is recorded for (`mlflow.user`, `user_id`), as MLflow's Python client finds it with
 * `getpass.getuser()`: LOGNAME, USER, LNAME, USERNAME, then the OS account of this process — the case
 * of containers and CI, where $USER is often unset. 'unknown' (MLflow's default) when the uid has no
 * passwd entry either (os.userInfo() throws then).
 */
export function currentUser(env: NodeJS.ProcessEnv = process.env): string {
  for (const name of ['LOGNAME', 'USER', 'LNAME', 'USERNAME']) {
    const value = env[name];
    if (value) return value;
  }
  try {
    const { username } = os.userInfo();
    if (username) return username;
  } catch {
    // No passwd entry for this uid (e.g. `docker run --user 12345`).
  }
  return 'unknown';
}
