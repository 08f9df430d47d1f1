import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { PipelineLock, RunLock } from '../types.ts';

export class MysqlRunLock implements RunLock {
  constructor(
    private readonly pool: Pool,
    private readonly database: string,
  ) {}

  async tryLock(name: string): Promise<PipelineLock | null> {
    // GET_LOCK belongs to the session: keep one connection out of the pool for the lock's lifetime.
    const conn = await this.pool.getConnection();
    const lockName = `${this.database}.${name}`.slice(0, 64);
    try {
      const [rows] = await conn.query<RowDataPacket[]>('SELECT GET_LOCK(?, 0) AS got', [lockName]);
      if (Number(rows[0]?.got) !== 1) {
        conn.release();
        return null;
      }
    } catch (err) {
      conn.release();
      throw err;
    }
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        try {
          await conn.query('SELECT RELEASE_LOCK(?)', [lockName]);
        } finally {
          conn.release();
        }
      },
    };
  }
}
