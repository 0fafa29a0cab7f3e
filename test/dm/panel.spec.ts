import { createHash } from 'node:crypto';
import { test, expect } from '@playwright/test';
import { decide, draft, ROSTER, runPanel, SEATS, triage, type DraftSettings, type SeatContext, type SeatName } from '../../dm/index.js';

const T = Date.parse('2025-12-25T20:13:00.000Z');
const SETTINGS: DraftSettings = {
  book_link: 'https://book.example.com/coach',
  course_link: 'https://learn.example.com/programme',
  video_link: 'https://video.example.com/coach',
  price_link: 'https://learn.example.com/prices',
  support_email: 'help@example.com',
};
const tri = (text: string, extra: { thread?: string[]; thread_lang?: 'es' | 'en' } = {}) =>
  triage({ sender_id: '1784', mid: 'm_1', timestamp_ms: T, text, trace_id: '00000000-0000-4000-8000-0000000000aa', ...extra });
const seat = (name: SeatName) => ROSTER.find((s) => s.name === name)!;
const ctx = (message: string, text: string, templateId: string, extra: Partial<SeatContext> = {}): SeatContext => ({
  triage: tri(message), message, text, templateId, settings: SETTINGS, ...extra,
});

test.describe('draft engine (spec 003 §3)', () => {
  test('should mirror the sender, fill placeholders, and keep to one next step', () => {
    const es = draft(tri('hola, cuanto cuesta el programa?'), 'hola, cuanto cuesta el programa?', SETTINGS);
    expect(es).toMatchObject({ draft_version: 'igdm.draft/v1', template_id: 'top20:price_general:v1:es', placeholders: ['PRICE_LINK'] });
    expect(es.text).toBe('Todos los precios y packs están aquí: https://learn.example.com/prices');
    const en = draft(tri('can I move my session to friday?'), 'can I move my session to friday?', SETTINGS);
    expect(en.template_id).toBe('top20:book_reschedule:v1:en');
    expect(en.text).toContain(SETTINGS.book_link);
  });

  test('should ask a one-line language question when the language is unknown, and bridge languages it does not write', () => {
    expect(draft(tri('🙏🙏'), '🙏🙏', SETTINGS)).toMatchObject({ template_id: 'safe:language_question:v1:en', text: 'Hi! 😊 English or español?' });
    const fr = draft(tri('bonjour, combien coûte le programme ?'), 'bonjour, combien coûte le programme ?', SETTINGS);
    expect(fr.template_id).toBe('safe:language_bridge:v1:fr');
    expect(fr.text).toMatch(/anglais ou en espagnol/);
  });

  test('should offer escalated messages a holding or emergency line in their language, never a sales reply', () => {
    const urgent = draft(tri('ya no quiero vivir'), 'ya no quiero vivir', SETTINGS);
    expect(urgent.template_id).toBe('safe:urgent:v1:es');
    expect(urgent.text).toMatch(/112/);
    expect(draft(tri('my lawyer will hear about this'), 'my lawyer will hear about this', SETTINGS).template_id).toBe('safe:holding:v1:en');
  });

  test('should leave a placeholder unfilled and say so when the client has no such setting', () => {
    const d = draft(tri('send me the link to the course pls'), 'send me the link to the course pls', {});
    expect(d.text).toContain('{COURSE_LINK}');
    expect(d.notes).toContain('unfilled=COURSE_LINK');
  });
});

test.describe('seat panel (spec 003 §4)', () => {
  test('should sit 5, 10 or 20 seats by the triage panel size, in roster order', () => {
    expect(ROSTER.map((s) => s.name)).toEqual([...SEATS]);
    for (const [text, size] of [['hola, cuanto cuesta?', 5], ['my lawyer will hear about this', 10], ['i want to kill myself', 20]] as const) {
      const t = tri(text);
      const { record } = runPanel(t, draft(t, text, SETTINGS), text, SETTINGS);
      expect(record.panel_size).toBe(size);
      expect(record.seats.map((s) => s.seat)).toEqual(SEATS.slice(0, size));
    }
  });

  test('should approve a clean draft, with the sha256 of the final text', () => {
    const text = 'hola, cuanto cuesta el programa?';
    const t = tri(text);
    const d = draft(t, text, SETTINGS);
    const { record, finalText } = runPanel(t, d, text, SETTINGS);
    expect(record).toMatchObject({ panel_version: 'if.gov.panel/igdm/v1', decision: 'approve_draft', trace_id: t.trace_id });
    expect(finalText).toBe(d.text);
    expect(record.final_draft_text_sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test('should escalate on any veto: urgent tier to urgent_escalate, needs-human to escalate_human', () => {
    const urgent = decide({ sender_id: '1', recipient_id: '2', mid: 'm', timestamp_ms: T, text: 'i want to kill myself', conversation_id: 'aWdfZDox' }, SETTINGS);
    expect(urgent.panel.decision).toBe('urgent_escalate');
    expect(urgent.escalation).toMatchObject({
      escalation_version: 'igdm.escalation/v1', tier: 'urgent', reason_codes: ['self_harm_signal'], time_cet: '2025-12-25T21:13:00+01:00',
      open_links: { instagram_thread: 'https://www.instagram.com/direct/t/aWdfZDox/' },
    });
    const human = decide({ sender_id: '1', recipient_id: '2', mid: 'm', timestamp_ms: T, text: 'eres una idiota' }, SETTINGS);
    expect(human.panel.decision).toBe('escalate_human');
    expect(human.escalation?.tier).toBe('needs-human');
  });

  test('should apply patches in seat order and re-run every seat once (revise_draft)', () => {
    // A therapy question (normal tier) drafted as a general offer of help is routed to a booked session.
    const text = 'do you offer therapy?';
    const t = tri(text);
    expect(t.risk.tier).toBe('normal');
    const d = draft(t, text, SETTINGS);
    const { record, finalText } = runPanel(t, d, text, SETTINGS);
    expect(record.decision).toBe('revise_draft');
    expect(record.seats.find((s) => s.seat === 'boundary')).toMatchObject({ vote: 'request_changes', patches: [{ op: 'replace_text', path: 'draft.text' }] });
    expect(record.rerun?.map((s) => s.vote)).toEqual(['approve', 'approve', 'approve', 'approve', 'approve']);
    expect(finalText).toContain(SETTINGS.book_link);
    expect(record.final_draft_text_sha256).toBe(createHash('sha256').update(finalText).digest('hex'));
  });

  test('should let the contrarian (10 seats and up) make an upset sender get an acknowledgement first', () => {
    const text = 'where is the replay of the live??? still waiting!!! ridiculous';
    const t = tri(text);
    const wide = { ...t, risk: { ...t.risk, panel_size: 10 as const } };
    const { record, finalText } = runPanel(wide, draft(t, text, SETTINGS), text, SETTINGS);
    expect(record.decision).toBe('revise_draft');
    expect(finalText.startsWith("I'm sorry to hear that.")).toBe(true);
  });

  test('should never pass a draft with a placeholder the client has not set, even with 5 seats', () => {
    const text = 'send me the link to the course pls';
    const t = tri(text);
    const { record } = runPanel(t, draft(t, text, {}), text, {});
    expect(record.decision).toBe('escalate_human');
    expect(record.seats.find((s) => s.seat === 'next_step')).toMatchObject({ vote: 'veto' });
  });

  test('each seat rule', () => {
    const en = 'top20:help_general:v1:en';
    const cases: [SeatName, SeatContext, 'approve' | 'request_changes' | 'veto'][] = [
      ['safety', ctx('how much?', 'Stop eating carbs and take these pills.', en), 'veto'],
      ['safety', ctx('how much?', 'All prices are here: https://learn.example.com/prices', en), 'approve'],
      ['boundary', ctx('how much?', 'Tell me more about how you feel.', en), 'request_changes'],
      ['boundary', ctx('do you do therapy?', 'Happy to help! What exactly do you need?', en), 'request_changes'],
      ['language', ctx('hola, cuanto cuesta?', 'All prices and packages are here: https://learn.example.com/prices', 'top20:price_general:v1:en'), 'request_changes'],
      ['language', ctx('🙏', 'Happy to help! What exactly do you need?', en), 'request_changes'],
      ['privacy', ctx('help', 'Send me your phone number and I will call.', en), 'request_changes'],
      ['privacy', ctx('help', 'Write to someone@else.com', en), 'veto'],
      ['next_step', ctx('hi', 'Thanks for the message.', en), 'request_changes'],
      ['next_step', ctx('hi', 'Here it is: {BOOK_LINK}', en), 'veto'],
      ['next_step', ctx('hi', 'Is it for you? Or for a friend?', en), 'request_changes'],
      ['tone', ctx('hi', 'Hi!!! 😊😊😊', en), 'request_changes'],
      ['spam_abuse', ctx('eres una idiota', 'x', en), 'veto'],
      ['contrarian', ctx('session?', 'All the free slots are here: https://book.example.com/coach', 'top20:book_availability:v1:en'), 'approve'],
      ['claims', ctx('hi', 'This programme cures anxiety, guaranteed results.', en), 'veto'],
      ['placeholders', ctx('hi', 'Here: {COURSE_LINK}', en), 'veto'],
      ['crisis_route', ctx('i want to kill myself', 'I will reply personally soon.', 'safe:urgent:v1:en'), 'request_changes'],
      ['no_minimising', ctx('hi', "Don't worry, cheer up! What do you need?", en), 'request_changes'],
      ['no_promises', ctx('hi', 'I will call you right now. What do you need?', en), 'request_changes'],
      ['no_echo', ctx('my mother hit me again last night', 'About my mother hit me again: what do you need?', en), 'veto'],
      ['one_question', ctx('hi', 'Is it you? Is it a friend?', en), 'request_changes'],
      ['link_safety', ctx('hi', 'Here: http://evil.example.net/x', en), 'veto'],
      ['link_safety', ctx('hi', 'Here: https://book.example.com/coach', en), 'approve'],
      ['plain_words', ctx('hi', `${'word '.repeat(40)}.`, en), 'request_changes'],
      ['thread_language', { ...ctx('👍', 'Happy to help! What exactly do you need?', en), triage: tri('👍', { thread_lang: 'es' }) }, 'veto'],
      ['handoff', ctx('my lawyer will hear about this', 'Prices: https://learn.example.com/prices', 'safe:holding:v1:en'), 'request_changes'],
      ['record', ctx('hi', 'Hi', 'free text'), 'veto'],
    ];
    for (const [name, context, vote] of cases) {
      const record = seat(name).evaluate(context);
      expect(record.vote, `${name}: ${record.reasons.join('; ')}`).toBe(vote);
      expect(record.seat).toBe(name);
      for (const p of record.patches) expect(p).toMatchObject({ op: 'replace_text', path: 'draft.text' });
    }
  });
});
