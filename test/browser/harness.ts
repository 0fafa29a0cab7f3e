import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestInfo } from '@playwright/test';
import type { Page } from 'playwright-core';
import { INSTAGRAM_FLOWS, instagramLogin, type Flow } from '../../flows/index.js';
import { createProofListener, createProofStore, readDriftRecords, type ProofStore, type StepBoundary, type StepCapture, type StepListener } from '../../proofs/index.js';
import {
  connectBrowserAccount, createBrowserPerformer, proofStoreTraceRecorder, SessionStore, DriftGuard,
  type BrowserPerformer, type BrowserProvider,
} from '../../runners/index.js';
import { runAction, type Action, type ActionType, type PlatformAccount, type RunOutcome } from '../../safety/index.js';
import { INSTAGRAM_ANNEX, type Annex } from '../../selectors/index.js';
import type { Sandbox } from '../../sandbox/index.js';
import { createHarness, type Harness, type HarnessOptions } from '../helpers/kernel.js';
import { IG, samplePng } from './fixtures.js';

/** A listener that records every boundary it was called at (and takes no proof). */
export class RecordingListener implements StepListener {
  readonly calls: StepBoundary[] = [];
  hook?: (boundary: StepBoundary, page: Page) => Promise<void>;
  async onStep(page: Page, boundary: StepBoundary): Promise<StepCapture> {
    this.calls.push(boundary);
    await this.hook?.(boundary, page);
    return { stored: Promise.resolve([]) };
  }
}

export interface BrowserHarness {
  h: Harness;
  account: PlatformAccount;
  performer: BrowserPerformer;
  proofs: ProofStore;
  recorder: RecordingListener;
  image: string;
  submit(action_type: ActionType, payload: Record<string, unknown>): Promise<Action>;
  /** runAction, then the episode's context is closed (the runner's job once an action settles). */
  run(action: Action): Promise<RunOutcome>;
  /** Every action run so far, its audit trail one line per event: what a failing test prints. */
  trail(): Promise<string>;
  /** Closes the lane; when the test failed, prints the trail first. */
  close(info?: TestInfo): Promise<void>;
}

export interface BrowserHarnessOptions {
  /** Flows to use instead of the product's (a deliberately bad flow, in the commit-guard tests). */
  flows?: Partial<Record<ActionType, Flow>>;
  /** The client's policy (e.g. `hybrid_routes`), as `createHarness` takes it. */
  policy?: HarnessOptions['policy'];
  /**
   * The seeded account to log in as. @default 'northwind' — the kernel harness's own account
   * claims Northwind's Instagram id too, so a test that needs the account unambiguous (the DM
   * assistant refuses an id two accounts claim) logs in as Lumen.
   */
  as?: 'northwind' | 'lumen';
  /** The annex the lane runs with instead of the product's (an element's fingerprint changed). */
  annex?: Annex;
}

/**
 * The real kernel on a temp SQLite file, with the browser performer registered for Instagram
 * and an account connected through the login flow as the seeded northwind.bakery.
 *
 * The kernel runs on the harness's virtual clock: its sleeps (verification backoff, the wait for
 * an absence rule's visibility window — 10–30 s on the browser lane, see README) advance the
 * clock at once instead of passing, so the looks a rule needs after its window are taken within
 * the test's time. The sandbox shows every effect at once (no read-after-write lag) unless a test
 * turns lag on, so looking early proves nothing less than looking late would.
 */
export async function browserHarness(provider: BrowserProvider, sandbox: Sandbox, options: BrowserHarnessOptions = {}): Promise<BrowserHarness> {
  const h = await createHarness({ platform: 'instagram', config: { actionDeadlineMs: 60_000, verifyBaseMs: 10, verifyCapMs: 100, verifyMaxTries: 3 }, ...(options.policy ? { policy: options.policy } : {}) });
  const sessions = new SessionStore(h.dir);
  const seeded = IG[options.as ?? 'northwind'];
  const platform_account_id = randomUUID();
  const origin = sandbox.platforms.instagram;
  const { session_ref, observed } = await connectBrowserAccount({
    provider, sessions, login: instagramLogin, annex: INSTAGRAM_ANNEX, origin, platformAccountId: platform_account_id,
    handle: seeded.handle, password: seeded.password,
  });
  const now = new Date().toISOString();
  const account = await h.services.store.accounts.create({
    platform_account_id, client_id: h.client.client_id, platform: 'instagram',
    fingerprint: { platform_user_id: seeded.id, handle: observed.handle, display_name: observed.display_name ?? '', extra: observed.avatar_src ? { avatar_src: observed.avatar_src } : {} },
    timezone: 'UTC', state: 'active', state_reason: null, session_ref, created_at: now, updated_at: now,
  });
  const proofs = createProofStore(h.dir);
  const recorder = new RecordingListener();
  const performer = createBrowserPerformer({
    provider, sessions, annexes: { instagram: options.annex ?? INSTAGRAM_ANNEX }, flows: { instagram: { ...INSTAGRAM_FLOWS, ...options.flows } },
    listeners: [recorder, createProofListener({ store: proofs })], origins: { instagram: origin },
    traces: proofStoreTraceRecorder(proofs), stepTimeoutMs: 10_000, drift: new DriftGuard(h.dir, proofs),
  });
  h.services.performers.register('browser', 'instagram', performer);
  mkdirSync(join(h.dir, 'media'), { recursive: true });
  const image = join(h.dir, 'media', 'loaf.png');
  writeFileSync(image, await samplePng(90));
  const ran: string[] = [];
  const harness: BrowserHarness = {
    h, account, performer, proofs, recorder, image,
    submit: (action_type, payload) => h.submit({ platform_account_id, lane: 'browser', action_type, payload }),
    async run(action) {
      ran.push(action.action_id);
      // No dispose here: the kernel releases the lane's context when the run ends.
      return runAction(h.services.kernel, action.action_id);
    },
    async trail() {
      const lines: string[] = [];
      for (const id of ran) {
        const a = await h.services.store.actions.get(id);
        lines.push(`${a?.action_type} ${id} → ${a?.state}`);
        for (const { event } of await h.services.store.audit.forAction(id)) {
          lines.push(`  ${event.transition.from ?? '∅'} → ${event.transition.to}: ${event.reason ?? ''}`);
        }
      }
      for (const r of await readDriftRecords(h.dir)) {
        lines.push(`drift ${r.id} ${r.surface} ${r.layout_expected}→${r.layout_seen} ratio ${r.diff_ratio.toFixed(4)} structure ${r.structure_match ? 'same' : 'changed'}${r.blocked ? ' BLOCKED' : ''}`);
      }
      // Warnings and errors the kernel and runner logged (the log carries codes and hashes, never secrets).
      // …and the mutating requests the commit guard saw (paths only).
      for (const line of h.logLines) {
        const entry = JSON.parse(line) as { level?: number; msg?: string };
        if (Number(entry.level) >= 40 || entry.msg === 'mutating requests') lines.push(`log ${line.trim()}`);
      }
      return lines.join('\n');
    },
    async close(info) {
      // A failing test shows what the kernel did and why (reasons, codes and hashes: no payloads, no secrets).
      if (info && info.status !== info.expectedStatus) console.log(await harness.trail());
      await performer.close();
      await h.close();
    },
  };
  return harness;
}
