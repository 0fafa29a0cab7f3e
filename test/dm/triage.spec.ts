import { test, expect } from '@playwright/test';
import { triage, type TriageInput } from '../../dm/index.js';
import { triageSchema } from '../../dm/records.js';

const T = Date.parse('2025-12-25T12:00:00.000Z');
const run = (text: string, extra: Partial<TriageInput> = {}) => triage({ sender_id: '17841400000000001', mid: 'm_test', timestamp_ms: T, text, ...extra });

test.describe('IF.GOV.TRIAGE (spec 003 §2)', () => {
  test('should emit the §2 contract field for field, with UTC and CET times', () => {
    const t = run('hola, cuanto cuesta la sesion?', { trace_id: '00000000-0000-4000-8000-000000000001' });
    expect(Object.keys(t)).toEqual(['triage_version', 'trace_id', 'ts_utc', 'time_cet', 'sender_id', 'mid', 'language', 'intent', 'risk']);
    expect(triageSchema.parse(t)).toEqual(t);
    expect(t).toMatchObject({
      triage_version: 'if.gov.triage/igdm/v1',
      trace_id: '00000000-0000-4000-8000-000000000001',
      ts_utc: '2025-12-25T12:00:00Z',
      time_cet: '2025-12-25T13:00:00+01:00',
      language: { code: 'es', source: 'text' },
      intent: { label: 'price' },
      risk: { tier: 'normal', panel_size: 5, reasons: [] },
    });
    expect(run('x', { timestamp_ms: Date.parse('2025-07-01T10:00:00Z') }).time_cet).toBe('2025-07-01T12:00:00+02:00');
  });

  test('should be deterministic for the same input', () => {
    const a = run('me muero de risa con tu reel jajaja', { trace_id: '00000000-0000-4000-8000-000000000002' });
    const b = run('me muero de risa con tu reel jajaja', { trace_id: '00000000-0000-4000-8000-000000000002' });
    expect(a).toEqual(b);
  });

  test('should not escalate idioms that only look alarming', () => {
    for (const text of ['this workout is killing me 😂', 'me muero de risa', 'je meurs de rire avec ta vidéo', 'you are killing it with these reels', 'dying to book the january group', 'la clase de hoy me ha matado jaja', 'ich sterbe vor Lachen', 'em moro de riure']) {
      expect(run(text).risk, text).toMatchObject({ tier: 'normal', panel_size: 5 });
    }
  });

  test('should mark self-harm and abuse urgent with a 20-seat panel, misspelled and without accents too', () => {
    for (const [text, reason] of [
      ['i want to kill myself', 'self_harm_signal'],
      ['i wanna kil myslef tbh', 'self_harm_signal'],
      ['ya no quiero vivir', 'self_harm_signal'],
      ['no kiero seguir viviendo', 'self_harm_signal'],
      ['je veux en finir', 'self_harm_signal'],
      ['my boyfriend hits me when he drinks', 'violence_abuse_signal'],
      ['mi pareja me pega', 'violence_abuse_signal'],
    ] as const) {
      const t = run(text);
      expect(t.risk, text).toMatchObject({ tier: 'urgent', panel_size: 20 });
      expect(t.risk.reasons, text).toContain(reason);
      expect(t.risk.score).toBeGreaterThanOrEqual(0.85);
    }
  });

  test('should send disclosures, legal threats, harassment, crises and denials to a human with a 10-seat panel', () => {
    for (const [text, reason] of [
      ['i have had panic attacks every night this week', 'therapeutic_disclosure'],
      ['my lawyer will hear about this', 'legal_threat'],
      ['eres una idiota', 'harassment'],
      ['i lost my job and my wife is divorcing me, i cant cope', 'complex_crisis'],
      ["i'm not suicidal or anything, just want the link", 'self_harm_mention_negated'],
    ] as const) {
      const t = run(text);
      expect(t.risk, text).toMatchObject({ tier: 'needs-human', panel_size: 10 });
      expect(t.risk.reasons, text).toContain(reason);
    }
  });

  test('should read a repeated angry loop over the thread, not from one message', () => {
    const angry = 'this is unacceptable, still waiting for my refund!!!';
    expect(run(angry).risk.tier).toBe('normal');
    const loop = run(angry, { thread: ['where is my refund?? ridiculous', 'nobody answers, this is a scam'] });
    expect(loop.risk).toMatchObject({ tier: 'needs-human', reasons: ['angry_loop'] });
    expect(run('ok thanks, got it', { thread: ['ridiculous', 'this is a scam'] }).risk.tier).toBe('normal');
  });

  test('should take the language from the text, else the thread, else say it does not know', () => {
    expect(run('bon dia, voldria reservar una sessio').language).toMatchObject({ code: 'ca', source: 'text' });
    expect(run('ola quero marcar uma sessao').language.code).toBe('pt');
    expect(run('👍', { thread_lang: 'es' }).language).toEqual({ code: 'es', confidence: 0.6, source: 'thread' });
    const none = run('🙏🙏');
    expect(none.language.code).toBe('und');
    expect(none.language.confidence).toBeLessThan(0.5);
    expect(run('').language.confidence).toBeLessThan(0.5);
  });

  test('should route intent by keywords, and let a bare follow-up keep the thread intent', () => {
    expect(run('can you send me the link to the course').intent.label).toBe('link');
    expect(run('kuanto bale el curso?').intent.label).toBe('price');
    expect(run('wat times r u availble on weekends').intent.label).toBe('book');
    expect(run('where can i watch the replay of the live?').intent.label).toBe('video');
    expect(run('no puedo entrar en la plataforma').intent.label).toBe('help');
    expect(run('loved your last reel 🔥').intent.label).toBe('other');
    expect(run('??', { thread: ['hola cuanto cuesta el curso?'] }).intent.label).toBe('price');
    expect(run('??').intent).toMatchObject({ label: 'other' });
  });
});
