import type { Command } from 'commander';
import { UsageError, withStore } from './context.js';

export function registerKill(program: Command): void {
  program
    .command('kill')
    .description('engage or release a kill switch: kill global on|off, kill client ID on|off, kill account ID on|off, kill dm-auto-send ID|* on|off')
    .argument('<scope>', 'global | client | account | dm-auto-send (the DM assistant\'s automatic sends only; * for every client)')
    .argument('<rest...>', '[ID] on|off')
    .option('--reason <text>', 'why (kept with the switch)')
    .option('--by <who>', 'who flips it', process.env.USER ?? 'cli')
    .action(async (given: string, rest: string[], options: { reason?: string; by: string }) => {
      const scope = given === 'dm-auto-send' ? 'dm_auto_send' : given;
      if (!['global', 'client', 'account', 'dm_auto_send'].includes(scope)) throw new UsageError(`scope must be global, client, account or dm-auto-send (got ${given})`);
      const expected = scope === 'global' ? 1 : 2;
      if (rest.length !== expected) throw new UsageError(scope === 'global' ? 'usage: kill global on|off' : `usage: kill ${scope} ID on|off`);
      const state = rest[rest.length - 1]!;
      if (state !== 'on' && state !== 'off') throw new UsageError(`state must be on or off (got ${state})`);
      const scopeId = scope === 'global' ? '*' : rest[0]!;
      const sw = await withStore(async (store) => {
        if (scope === 'client' && !(await store.clients.get(scopeId))) throw new UsageError(`no client ${scopeId}`);
        if (scope === 'account' && !(await store.accounts.get(scopeId))) throw new UsageError(`no account ${scopeId}`);
        if (scope === 'dm_auto_send' && scopeId !== '*' && !(await store.clients.get(scopeId))) throw new UsageError(`no client ${scopeId}`);
        return store.killSwitches.set({ scope: scope as 'global', scope_id: scopeId, engaged: state === 'on', reason: options.reason ?? null, set_by: options.by });
      });
      console.log(`kill switch ${sw.scope}${sw.scope === 'global' ? '' : ` ${sw.scope_id}`} ${sw.engaged ? (sw.scope === 'dm_auto_send' ? 'ENGAGED: DM drafts wait for a reviewer' : 'ENGAGED: no new side effects') : 'released'}`);
    });
}
