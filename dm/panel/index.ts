import { createHash } from 'node:crypto';
import type { DraftSettings } from '../drafts/index.js';
import { PANEL_VERSION, panelSchema, type DraftRecord, type PanelDecision, type PanelRecord, type SeatRecord, type TriageRecord } from '../records.js';
import { ROSTER, type SeatContext } from './seats.js';

export { ROSTER, type Seat, type SeatContext } from './seats.js';

export interface PanelOutcome {
  record: PanelRecord;
  /** The text the decision is about: the draft, the patched draft, or (escalated) what the person is offered. */
  finalText: string;
}

export const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * IF.GOV.PANEL (spec 003 §4): the deterministic seats, as many as the triage's panel size,
 * vote on the draft. Aggregation exactly as §4: any veto → escalate (urgent tier → urgent
 * escalation); else any request for changes → the patches are applied in seat order and every
 * seat sits once more on the patched draft (a veto or a request left then → escalate); else
 * approve. Same inputs, same record.
 */
export function runPanel(triage: TriageRecord, draft: DraftRecord, message: string, settings: DraftSettings = {}): PanelOutcome {
  const seats = ROSTER.slice(0, triage.risk.panel_size);
  const context = (text: string): SeatContext => ({ triage, message, text, templateId: draft.template_id, settings });
  const escalate: PanelDecision = triage.risk.tier === 'urgent' ? 'urgent_escalate' : 'escalate_human';

  const first = seats.map((s) => s.evaluate(context(draft.text)));
  const finish = (decision: PanelDecision, finalText: string, reason: string, rerun?: SeatRecord[]): PanelOutcome => ({
    record: panelSchema.parse({
      panel_version: PANEL_VERSION,
      trace_id: triage.trace_id,
      panel_size: triage.risk.panel_size,
      seats: first,
      ...(rerun ? { rerun } : {}),
      decision,
      final_draft_text_sha256: sha256Hex(finalText),
      reason_summary: reason,
    }),
    finalText,
  });

  const vetoes = first.filter((s) => s.vote === 'veto');
  if (vetoes.length > 0) return finish(escalate, draft.text, `veto: ${vetoes.map((s) => s.seat).join(', ')}`);
  const changes = first.filter((s) => s.vote === 'request_changes');
  if (changes.length === 0) return finish('approve_draft', draft.text, `approved by ${seats.length} seats`);

  // Patches in seat order; each seat's patch is taken on the text as the earlier patches left it.
  let text = draft.text;
  for (const s of changes) {
    const again = seats.find((x) => x.name === s.seat)!.evaluate(context(text));
    const patch = again.patches.at(-1);
    if (again.vote === 'request_changes' && patch) text = patch.value;
  }
  const rerun = seats.map((s) => s.evaluate(context(text)));
  const left = rerun.filter((s) => s.vote !== 'approve');
  if (left.length > 0) return finish(escalate, text, `changes did not settle: ${left.map((s) => s.seat).join(', ')}`, rerun);
  return finish('revise_draft', text, `revised: ${changes.map((s) => s.seat).join(', ')}`, rerun);
}
