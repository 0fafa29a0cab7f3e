import type { Command } from 'commander';
import { verifyAuditChain, exportAuditJsonl } from '../safety/index.js';
import { withStore } from './context.js';

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('the append-only, hash-chained audit log (spec 000 §9)');
  audit
    .command('verify')
    .description('walk the whole chain; exit 0 only if it is intact, else name the first broken event')
    .action(async () => {
      const verdict = await withStore((store) => verifyAuditChain(store));
      if (verdict.ok) {
        console.log(`audit chain intact: ${verdict.count} events, head ${verdict.head}`);
        return;
      }
      console.error(`audit chain BROKEN at seq ${verdict.broken.seq} (audit_event_id ${verdict.broken.audit_event_id}): ${verdict.broken.problem}; ${verdict.count} events before it verified`);
      process.exitCode = 1;
    });
  audit
    .command('export')
    .description('stream the chain to stdout')
    .option('--jsonl', 'one JSON object per line: {seq, prev_hash, hash, event}', true)
    .action(async () => {
      // A reader that stops early (`| head`) closes the pipe: that ends the export, quietly.
      let closed = false;
      process.stdout.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE') throw error;
        closed = true;
      });
      await withStore(async (store) => {
        for await (const line of exportAuditJsonl(store)) {
          if (closed) break;
          if (!process.stdout.write(line)) await drainOrClose();
        }
      });
    });
}

/** Resolves when stdout can take more, or when its reader has gone. */
function drainOrClose(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.stdout.off('drain', done);
      process.stdout.off('error', done);
      process.stdout.off('close', done);
      resolve();
    };
    process.stdout.once('drain', done);
    process.stdout.once('error', done);
    process.stdout.once('close', done);
  });
}
