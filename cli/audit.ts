import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import {
  auditKeyPaths, describeAnchoredVerdict, exportAuditJsonl, loadOrCreateAuditKey, makeCheckpoint, verifyAnchoredAudit,
} from '../safety/index.js';
import { cliConfig, withStore } from './context.js';

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('the append-only, hash-chained audit log (spec 000 §9)');
  audit
    .command('verify')
    .description('the chain, its signed checkpoints (file and store copies), truncation and re-chaining, and the actions table against the events; exit 0 only if everything holds')
    .option('--anchor <file-or-line>', 'an operator-kept copy of a checkpoint: its JSON line, or a file whose last line is one')
    .option('--public-key <file-or-hex>', 'the public key to trust instead of <dataDir>/keys/audit-ed25519.pub')
    .action(async (options: { anchor?: string; publicKey?: string }) => {
      const { dataDir } = cliConfig();
      const verdict = await withStore((store) => verifyAnchoredAudit(store, { dataDir, anchor: options.anchor, publicKey: options.publicKey }));
      const { summary, problems } = describeAnchoredVerdict(verdict);
      for (const line of summary) console.log(line);
      if (verdict.ok) {
        console.log('audit verify: OK');
        return;
      }
      console.error(`audit verify FAILED: ${problems.length} problem(s)`);
      for (const p of problems) console.error(`  ${p}`);
      process.exitCode = 1;
    });
  audit
    .command('checkpoint')
    .description('sign the chain head now: one JSON line to stdout, appended to <dataDir>/audit-checkpoints.jsonl and the store')
    .action(async () => {
      const { dataDir } = cliConfig();
      mkdirSync(dataDir, { recursive: true });
      const key = loadOrCreateAuditKey(dataDir);
      const checkpoint = await withStore((store) => makeCheckpoint(store, { dataDir, key }));
      console.log(JSON.stringify(checkpoint));
      console.error(`public key ${auditKeyPaths(dataDir).publicFile} fingerprint (sha256) ${key.keyId}`);
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
