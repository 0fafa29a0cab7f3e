import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { bundleKeyPaths, readBundlePublicKey, verifyBundle } from '../dm/index.js';
import { cliConfig } from './context.js';

export function registerBundle(program: Command): void {
  const bundle = program.command('bundle').description('IF.TTT evidence bundles of the DM assistant (spec 003 §6)');
  bundle
    .command('verify <dir>')
    .description('check every hash in sha256sums.txt, that nothing is unlisted, the ed25519 signature and every record; exit 0 only if all hold')
    .option('--public-key <file-or-hex>', "the key to trust (default: this data dir's exported bundle key, when there is one)")
    .action((dir: string, options: { publicKey?: string }) => {
      const own = bundleKeyPaths(cliConfig().dataDir).publicFile;
      const source = options.publicKey ?? (existsSync(own) ? own : undefined);
      const verdict = verifyBundle(dir, source ? { trustedKey: readBundlePublicKey(source) } : {});
      if (verdict.ok) {
        console.log(`bundle verify: OK (${verdict.kind} bundle ${verdict.trace_id}, key ${verdict.key_id}${source ? '' : ', key not pinned: compare it with the published one'})`);
        return;
      }
      console.error(`bundle verify FAILED: ${verdict.problems.length} problem(s)`);
      for (const p of verdict.problems) console.error(`  ${p}`);
      process.exitCode = 1;
    });
}
