import { test, expect } from '@playwright/test';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { MIGRATIONS } from '../../store/sqlite/migrations.js';
import { openDatabase } from '../../store/sqlite/database.js';
import { tempDir } from '../helpers/kernel.js';

/** A database as a release before `version` left it: migrations below it applied and recorded. */
function databaseAt(file: string, version: number): Database.Database {
  const db = new Database(file);
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  for (const m of MIGRATIONS.filter((m) => m.version < version)) {
    db.exec(m.sql);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, '2026-11-01T00:00:00.000Z');
  }
  return db;
}

test.describe('migrations on a database in use', () => {
  test('migration 12 rebuilds the kill switches with the dm_auto_send scope and keeps every switch, every history row and its order, and the append-only guard', async () => {
    const dir = tempDir('raize-migrate-');
    try {
      const file = join(dir.path, 'raize.db');
      const old = databaseAt(file, 12);
      const sw = old.prepare('INSERT INTO kill_switches (scope, scope_id, engaged, reason, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?)');
      sw.run('global', '*', 0, null, 'ops@agency', '2026-11-02T10:00:00.000Z');
      sw.run('client', 'northwind', 1, 'client paused the campaign', 'ops@agency', '2026-11-02T11:00:00.000Z');
      sw.run('account', 'acct-1', 1, 'checkpoint on the account', 'kernel', '2026-11-02T12:00:00.000Z');
      const hist = old.prepare('INSERT INTO kill_switch_history (scope, scope_id, client_id, engaged, reason, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
      hist.run('global', '*', null, 1, 'incident', 'ops@agency', '2026-11-02T09:00:00.000Z');
      hist.run('global', '*', null, 0, null, 'ops@agency', '2026-11-02T10:00:00.000Z');
      hist.run('client', 'northwind', 'northwind', 1, 'client paused the campaign', 'ops@agency', '2026-11-02T11:00:00.000Z');
      hist.run('account', 'acct-1', 'northwind', 1, 'checkpoint on the account', 'kernel', '2026-11-02T12:00:00.000Z');
      // The old CHECK refuses the new scope: the rebuild is what makes it possible.
      expect(() => sw.run('dm_auto_send', '*', 1, 'x', 'ops', '2026-11-02T13:00:00.000Z')).toThrow(/CHECK constraint/);
      const before = {
        switches: old.prepare('SELECT * FROM kill_switches ORDER BY scope, scope_id').all(),
        history: old.prepare('SELECT * FROM kill_switch_history ORDER BY seq').all(),
      };
      old.close();

      const db = openDatabase({ file });
      try {
        const versions = db.prepare<[], { version: number }>('SELECT version FROM schema_migrations ORDER BY version').all().map((r) => r.version);
        expect(versions).toEqual(MIGRATIONS.map((m) => m.version));
        expect(db.prepare('SELECT * FROM kill_switches ORDER BY scope, scope_id').all()).toEqual(before.switches);
        expect(db.prepare('SELECT * FROM kill_switch_history ORDER BY seq').all()).toEqual(before.history);
        db.prepare('INSERT INTO kill_switches (scope, scope_id, engaged, reason, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?)').run('dm_auto_send', 'northwind', 1, 'drafts off-brand', 'ops@agency', '2026-11-03T08:00:00.000Z');
        const added = db.prepare('INSERT INTO kill_switch_history (scope, scope_id, client_id, engaged, reason, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run('dm_auto_send', 'northwind', 'northwind', 1, 'drafts off-brand', 'ops@agency', '2026-11-03T08:00:00.000Z');
        // The sequence goes on after the copied rows; the history is still append-only.
        expect(Number(added.lastInsertRowid)).toBe(5);
        expect(() => db.prepare('UPDATE kill_switch_history SET reason = NULL WHERE seq = 1').run()).toThrow(/append-only: UPDATE refused/);
        expect(() => db.prepare('DELETE FROM kill_switch_history WHERE seq = 1').run()).toThrow(/append-only: DELETE refused/);
        expect(() => db.prepare('INSERT INTO kill_switches (scope, scope_id, engaged, reason, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?)').run('tenant', 'x', 1, null, 'ops', '2026-11-03T09:00:00.000Z')).toThrow(/CHECK constraint/);
      } finally {
        db.close();
      }
      // Opening again applies nothing twice.
      const again = openDatabase({ file });
      expect(again.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM schema_migrations').get()!.n).toBe(MIGRATIONS.length);
      again.close();
    } finally {
      dir.remove();
    }
  });
});
