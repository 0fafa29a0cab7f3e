import type { Command } from 'commander';
import { createApiToken, publicToken } from '../api/index.js';
import { API_ROLES, ApiRole } from '../store/index.js';
import { UsageError, withStore } from './context.js';

export function registerToken(program: Command): void {
  const token = program.command('token').description('API tokens: create (printed once), list, revoke');
  token
    .command('create')
    .description('create an API token and print it (the only time it is shown; the store keeps its sha256)')
    .requiredOption('--role <role>', `one of ${API_ROLES.join(', ')}`)
    .option('--client <id>', 'scope the token to one client (required for client_viewer)')
    .option('--name <name>', 'who or what holds it (recorded as "who" on approvals and switches)', process.env.USER ?? 'cli')
    .option('--json', 'print the token and its record as one JSON line')
    .action(async (options: { role: string; client?: string; name: string; json?: boolean }) => {
      const role = ApiRole.safeParse(options.role);
      if (!role.success) throw new UsageError(`--role must be one of ${API_ROLES.join(', ')} (got ${options.role})`);
      if (role.data === 'client_viewer' && !options.client) throw new UsageError('a client_viewer token needs --client ID');
      const name = options.name.trim();
      if (!name) throw new UsageError('--name must not be empty');
      const made = await withStore(async (store) => {
        if (options.client && !(await store.clients.get(options.client))) throw new UsageError(`no client ${options.client}`);
        return createApiToken(store, { name, role: role.data, client_id: options.client ?? null, created_by: `cli:${process.env.USER ?? 'unknown'}` });
      });
      if (options.json) console.log(JSON.stringify({ token: made.token, ...publicToken(made.record) }));
      else console.log(made.token);
    });
  token
    .command('list')
    .description('list tokens (id, name, role, scope, last use; never the token)')
    .action(async () => {
      const tokens = await withStore((store) => store.apiTokens.list());
      for (const t of tokens) {
        console.log(`${t.token_id}  ${t.role.padEnd(13)} ${(t.client_id ?? 'all clients').padEnd(24)} ${t.name}${t.revoked_at ? `  revoked ${t.revoked_at}` : ''}${t.last_used_at ? `  last used ${t.last_used_at}` : ''}`);
      }
    });
  token
    .command('revoke')
    .description('revoke a token (its console sessions end too)')
    .argument('<token_id>')
    .action(async (tokenId: string) => {
      const done = await withStore((store) => store.apiTokens.revoke(tokenId, new Date()));
      if (!done) throw new UsageError(`no unrevoked token ${tokenId}`);
      console.log(`token ${tokenId} revoked`);
    });
}
