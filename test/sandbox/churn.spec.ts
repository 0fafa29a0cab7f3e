import { parse, type DefaultTreeAdapterTypes as T } from 'parse5';
import { test, expect, IG, AdminClient } from './fixtures.js';
import { ANNEX, login } from './annex.js';
import { renderAllPages, USER_TEXT, type RenderedPage } from './churn-pages.js';
import { churnPage, type ChurnContext } from '../../sandbox/ui/churn.js';
import { hashedClass, PROMPT_KINDS, PROMPT_TEXT, SandboxOptionsError, startSandbox, translate, UI_STRINGS_ES, variantOf } from '../../sandbox/index.js';

const PAGES = renderAllPages();
const SEEDS = [1, 2, 3, 7, 42, 1234];
const QUIET = { interstitialRate: 0, slowRate: 0, hangRate: 0 };
const ctx = (pg: RenderedPage, o: Partial<ChurnContext> = {}): ChurnContext => ({ locale: 'en', platform: pg.platform, surface: pg.surface, view: 0, dismissed: new Set(), ...o });
const name = (pg: RenderedPage) => `${pg.platform} ${pg.version} ${pg.surface} (${pg.variant})`;

// A small reader of parsed pages, independent of the transform's own helpers.
type El = T.Element;
const isEl = (n: T.Node): n is El => 'tagName' in n;
const attrOf = (el: El, a: string) => el.attrs.find((x) => x.name === a)?.value;
const hookOf = (el: El) => attrOf(el, 'data-testid') ?? attrOf(el, 'data-qa') ?? attrOf(el, 'data-test');
function walk(node: T.ParentNode, visit: (el: El) => boolean | void): void {
  for (const c of node.childNodes) if (isEl(c) && visit(c) !== false) walk(c, visit);
}
const all = (doc: T.ParentNode) => {
  const out: El[] = [];
  walk(doc, (el) => void out.push(el));
  return out;
};
const textOf = (el: El): string => el.childNodes.map((c) => ('value' in c ? c.value : isEl(c) ? textOf(c) : '')).join('');
const ownText = (el: El): string => el.childNodes.map((c) => ('value' in c ? c.value : '')).join('').trim();
/** What churn adds on purpose: the prompt, the suggestions panel, the spinner. */
const added = (el: El) => el.childNodes.some((c) => isEl(c) && attrOf(c, 'aria-modal') === 'true') || attrOf(el, 'role') === 'complementary' || attrOf(el, 'role') === 'progressbar';

/** Rows of ordered lists (posts, comments, replies, messages, threads), in document order. */
const ROWS = new Set(['post-tile', 'comment', 'reply', 'message', 'thread-link', 'prof-tile', 'pst-comment', 'pst-subcomment', 'dm-row', 'dm-bubble', 'tweet', 'messageEntry', 'conversation', 'item', 'answer', 'chat-line', 'chat-row']);

/** What a page means: its hooks, links, forms, inputs and controls, and the order of its ordered lists. */
function meaning(html: string) {
  const doc = parse(html);
  const els: El[] = [];
  walk(doc, (el) => (added(el) ? false : void els.push(el)));
  const sorted = (xs: (string | undefined)[]) => [...new Set(xs.filter((x): x is string => x !== undefined))].sort();
  return {
    hooks: sorted(els.map(hookOf)),
    hrefs: sorted(els.map((el) => attrOf(el, 'href'))),
    actions: sorted(els.map((el) => (el.tagName === 'form' ? `${attrOf(el, 'method') ?? 'get'} ${attrOf(el, 'action') ?? ''}` : undefined))),
    inputs: sorted(els.map((el) => attrOf(el, 'name'))),
    controls: els.filter((el) => ['button', 'input', 'select', 'textarea', 'a', 'option'].includes(el.tagName)).length,
    rows: els.filter((el) => ROWS.has(hookOf(el) ?? '')).map((el) => `${hookOf(el)}:${textOf(el).replace(/\s+/g, ' ').trim()}`),
  };
}

test.describe('sandbox UI churn and locale (unit)', () => {
  test('should leave every page byte for byte as rendered without a seed in English, markers stripped', () => {
    for (const pg of PAGES) {
      const out = churnPage(pg.html, ctx(pg));
      expect(out, name(pg)).toBe(pg.html.replace(/ data-churn="[a-z]+"/g, ''));
      expect(out).not.toContain('data-churn');
    }
    expect(PAGES.some((pg) => pg.html.includes('data-churn="shuffle"'))).toBe(true);
  });

  test('should give the same bytes for the same inputs and other class hashes for another seed', () => {
    for (const pg of PAGES) {
      const o = ctx(pg, { seed: 7, view: 3 });
      expect(churnPage(pg.html, o), name(pg)).toBe(churnPage(pg.html, { ...o, dismissed: new Set() }));
      expect(churnPage(pg.html, o)).not.toBe(churnPage(pg.html, { ...o, seed: 8 }));
      expect(churnPage(pg.html, o)).not.toContain('data-churn');
    }
    expect(hashedClass(7, 'ig-topnav')).toMatch(/^x[0-9a-z]{7}$/);
    expect(hashedClass(7, 'ig-topnav')).toBe(hashedClass(7, 'ig-topnav'));
    expect(hashedClass(7, 'ig-topnav')).not.toBe(hashedClass(8, 'ig-topnav'));
    const classes = (html: string) => new Set(all(parse(html)).flatMap((el) => (attrOf(el, 'class') ?? '').split(/\s+/).filter(Boolean)));
    const pg = PAGES.find((p) => p.platform === 'instagram' && p.version === 'v1' && p.surface === 'post')!;
    const a = classes(churnPage(pg.html, ctx(pg, { seed: 7 }))), b = classes(churnPage(pg.html, ctx(pg, { seed: 8 })));
    expect([...a].filter((c) => b.has(c))).toEqual([]);
  });

  test('should keep what every page means for several seeds', () => {
    for (const seed of SEEDS) {
      for (const pg of PAGES) {
        const before = meaning(pg.html);
        for (const o of [QUIET, { interstitialRate: 0.25, slowRate: 0.5, hangRate: 0.1 }]) {
          expect(meaning(churnPage(pg.html, ctx(pg, { seed, view: seed, ...o }))), `${name(pg)} seed ${seed}`).toEqual(before);
        }
      }
    }
    // The lists the check relies on are there: a list reordered would have failed above.
    expect(meaning(PAGES.find((p) => p.platform === 'x' && p.version === 'v1' && p.surface === 'thread')!.html).rows).toHaveLength(4);
  });

  test('should keep every hashed class styled, and the class names of scripts as they were', () => {
    for (const seed of SEEDS) {
      for (const pg of PAGES) {
        const doc = parse(pg.html);
        const css = all(doc).filter((el) => el.tagName === 'style').map(textOf).join('\n');
        const styled = new Set([...css.matchAll(/\.(-?[_a-zA-Z][\w-]*)/g)].map((m) => m[1]!));
        const used = new Set(all(doc).flatMap((el) => (attrOf(el, 'class') ?? '').split(/\s+/).filter(Boolean)));
        const out = parse(churnPage(pg.html, ctx(pg, { seed, ...QUIET })));
        const outCss = all(out).filter((el) => el.tagName === 'style').map(textOf).join('\n');
        const outUsed = new Set(all(out).flatMap((el) => (attrOf(el, 'class') ?? '').split(/\s+/).filter(Boolean)));
        // One expect per page: Playwright's expect is too slow to call per class.
        const wrong = [
          ...[...used].filter((c) => outUsed.has(c)).map((c) => `${c} left as is`),
          ...[...used].filter((c) => !outUsed.has(hashedClass(seed, c))).map((c) => `${c} not hashed`),
          ...[...used].filter((c) => styled.has(c) && !outCss.includes(`.${hashedClass(seed, c)}`)).map((c) => `no rule for ${c}`),
          ...[...styled].filter((c) => new RegExp(`\\.${c}(?![\\w-])`).test(outCss)).map((c) => `${c} left in the style`),
        ];
        expect(wrong, `${name(pg)} seed ${seed}`).toEqual([]);
        const scripts = (d: T.Document) => all(d).filter((el) => el.tagName === 'script').map(textOf);
        expect(scripts(out).slice(0, scripts(doc).length)).toEqual(scripts(doc));
      }
    }
  });

  test('should render every surface of both platforms and layouts in Spanish, user content untouched', () => {
    // Never user content in the fixtures: absent everywhere. The UI words the fixtures' user content
    // repeats on purpose (Follow, Like, Reply, Send) are absent outside user content.
    const ENGLISH = [
      'Log in', 'Log In', 'Log out', 'Password', 'Username', 'Continue', 'Messages', 'Message', 'Following', 'Edit profile', 'posts', 'followers', 'following',
      'Share', 'Post', 'Delete', 'Cancel', 'Unlike', 'Sent', 'Delivered', 'Create new post', 'New post', 'Your post has been shared.', 'Your post was sent.', 'View',
      'Sign in', 'Sign out', 'Write', 'Publish', 'Answer', 'Remove post', 'Add account', 'Switch accounts', 'Next', 'Verify', 'Sign in to X', 'Welcome back',
      'Action Blocked. We restrict certain activity to protect our community. Tell us if you think we made a mistake.', 'Switched account.',
    ];
    const COLLIDING = [USER_TEXT.caption, USER_TEXT.comment, USER_TEXT.reply, USER_TEXT.dm];
    const FRAGMENTS = ['Photo by', 'Reply to', 'Log out', 'likes', 'Likes', 'Sorry', 'Please', 'Something', 'Timeline', ' on X', ' on Instagram', 'Chat with', 'Loading', 'profile picture', 'is required'];
    const USER_HOOKS = new Set(['caption-text', 'comment-text', 'reply-text', 'message', 'tweetText', 'pst-caption', 'pst-comment-body', 'pst-subcomment-body', 'dm-bubble', 'focus-body', 'item-body', 'answer-body', 'chat-line', 'last-message', 'thread-preview', 'dm-row-last', 'chat-last']);
    const userTexts = (html: string) => all(parse(html)).filter((el) => USER_HOOKS.has(hookOf(el) ?? '')).map(ownText);
    for (const pg of PAGES) {
      for (const seed of [undefined, 5]) {
        const out = churnPage(pg.html, ctx(pg, { locale: 'es', ...(seed !== undefined ? { seed, view: 1 } : {}) }));
        const doc = parse(out);
        expect(attrOf(all(doc).find((el) => el.tagName === 'html')!, 'lang')).toBe('es');
        const texts: string[] = [];
        const outside: string[] = [];
        walk(doc, (el) => {
          if (el.tagName === 'script' || el.tagName === 'style') return false;
          for (const a of ['aria-label', 'placeholder', 'alt', 'title']) if (attrOf(el, a) !== undefined) texts.push(attrOf(el, a)!), outside.push(attrOf(el, a)!);
          for (const c of el.childNodes) if ('value' in c && c.value.trim()) {
            texts.push(c.value.trim());
            if (!USER_HOOKS.has(hookOf(el) ?? '') && el.tagName !== 'b') outside.push(c.value.trim());
          }
        });
        const left = [...ENGLISH.filter((s) => texts.includes(s)), ...COLLIDING.filter((s) => outside.includes(s)), ...texts.filter((t) => FRAGMENTS.some((f) => t.includes(f)))];
        expect(left, name(pg)).toEqual([]);
        // User content: the same texts in the same places as in English.
        expect(userTexts(out), name(pg)).toEqual(userTexts(pg.html));
        if (pg.surface === 'profile') expect(out).toContain(`>${USER_TEXT.bio}<`);
        // The scripts' UI strings too (toasts, button states, optimistic rows).
        expect(['"Following"', '"Unlike"', '"Not delivered"', '>You sent<', "'Select a photo to share.'", "'Delete this post?'"].filter((s) => out.includes(s)), name(pg)).toEqual([]);
      }
    }
  });

  test('should translate whole strings and patterns only, never a part of a text', () => {
    expect(translate('Action Blocked', 'instagram', 'es')).toBe('Acción bloqueada');
    expect(translate('  Follow\n', 'x', 'es')).toBe('  Seguir\n');
    expect(translate('Follow', 'x', 'en')).toBe('Follow');
    expect(translate('Please Follow me', 'x', 'es')).toBe('Please Follow me');
    expect(translate('12 likes', 'instagram', 'es')).toBe('12 Me gusta');
    expect(translate('Photo by Ana $& Ribeiro on March 09, 2024. May be an image of text.', 'instagram', 'es')).toBe('Foto de Ana $& Ribeiro el 09 de marzo de 2024. Puede ser una imagen de texto.');
    expect(translate('Northwind {text} on X: "Like" / X', 'x', 'es')).toBe('Northwind {text} en X: "Like" / X');
    expect(translate('Chat with Ana Ribeiro', 'instagram', 'es')).toBe('Chat con Ana Ribeiro');
    expect(translate('Ana on X: "" / X', 'x', 'es')).toBe('Ana en X: "" / X');
    expect(translate('Something went wrong. Please try again.', 'x', 'es')).toBe(UI_STRINGS_ES.x['Something went wrong. Please try again.']);
  });

  test('should show at most one prompt per view, never a dismissed kind, only the cookie banner before login', () => {
    const pg = PAGES.find((p) => p.platform === 'instagram' && p.version === 'v1' && p.surface === 'profile')!;
    const loginPg = PAGES.find((p) => p.platform === 'x' && p.version === 'v2' && p.surface === 'login')!;
    const titles = (html: string) => all(parse(html)).filter((el) => attrOf(el, 'aria-modal') === 'true').map((el) => attrOf(el, 'aria-label')!);
    const kindOf = (platform: 'instagram' | 'x', title: string) => PROMPT_KINDS.find((k) => PROMPT_TEXT.en[platform][k].title === title);
    const seen = new Map<string, number>();
    const VIEWS = 400;
    for (let view = 0; view < VIEWS; view++) {
      const shown = titles(churnPage(pg.html, ctx(pg, { seed: 3, view })));
      expect(shown.length).toBeLessThanOrEqual(1);
      for (const t of shown) seen.set(kindOf('instagram', t)!, (seen.get(kindOf('instagram', t)!) ?? 0) + 1);
      expect(titles(churnPage(pg.html, ctx(pg, { seed: 3, view, dismissed: new Set(PROMPT_KINDS) })))).toEqual([]);
      for (const t of titles(churnPage(loginPg.html, ctx(loginPg, { seed: 3, view })))) expect(kindOf('x', t)).toBe('cookies');
    }
    // Each kind at about the default 0.15 per view.
    for (const kind of PROMPT_KINDS) expect(seen.get(kind) ?? 0, kind).toBeGreaterThan(VIEWS * 0.08);
    for (const kind of PROMPT_KINDS) expect(seen.get(kind) ?? 0, kind).toBeLessThan(VIEWS * 0.25);
    expect(titles(churnPage(pg.html, ctx(pg, { seed: 3, view: 0, interstitialRate: 0 })))).toEqual([]);
  });

  test('should hide the main content behind a spinner on slow views, for good on hung ones', () => {
    for (const pg of PAGES.filter((p) => p.variant === 'plain' || p.variant === 'other')) {
      const slow = churnPage(pg.html, ctx(pg, { seed: 9, ...QUIET, slowRate: 1 }));
      const ms = Number(/setTimeout\(\(\) => \{ const m = s\.nextElementSibling.*?\}, (\d+)\)/.exec(slow)?.[1]);
      expect(ms, name(pg)).toBeGreaterThanOrEqual(200);
      expect(ms).toBeLessThanOrEqual(1500);
      // The spinner, the script that ends it, then the main content, hidden.
      expect(slow).toMatch(/role="progressbar" aria-label="Loading…"[^]*?<\/div><script>[^]*?<\/script><(main|div)\b[^>]*\bhidden=""/);
      const hung = churnPage(pg.html, ctx(pg, { seed: 9, ...QUIET, hangRate: 1 }));
      expect(hung).toMatch(/role="progressbar" aria-label="Loading…"[^]*?<\/style><\/div><(main|div)\b[^>]*\bhidden=""/);
      expect(hung).not.toContain('s.nextElementSibling');
      expect(churnPage(pg.html, ctx(pg, { seed: 9, ...QUIET }))).not.toContain('role="progressbar" aria-label="Loading…"');
    }
  });

  test('should render variant A as laid out and variant B with the nav after the main content and a suggestions panel', () => {
    const pg = PAGES.find((p) => p.platform === 'instagram' && p.version === 'v1' && p.surface === 'inbox')!;
    const seeds = Array.from({ length: 40 }, (_, i) => i);
    const a = seeds.find((s) => variantOf(s, 'instagram', 'inbox') === 'A')!;
    const b = seeds.find((s) => variantOf(s, 'instagram', 'inbox') === 'B')!;
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    const order = (html: string) => {
      const body = all(parse(html)).find((el) => el.tagName === 'body')!;
      const flat = all(body).map((el) => (el.tagName === 'nav' ? 'nav' : el.tagName === 'main' ? 'main' : attrOf(el, 'role') === 'complementary' ? 'aside' : '')).filter(Boolean);
      return flat;
    };
    expect(order(churnPage(pg.html, ctx(pg, { seed: a, ...QUIET })))).toEqual(['nav', 'main']);
    expect(order(churnPage(pg.html, ctx(pg, { seed: b, ...QUIET })))).toEqual(['main', 'aside', 'nav']);
    expect(churnPage(pg.html, ctx(pg, { seed: b, ...QUIET }))).toContain('aria-label="Suggestions"');
  });
});

test.describe('sandbox UI churn and locale (running sandbox)', () => {
  test('should show and set the churn config, and refuse a bad one naming the field', async ({ admin }) => {
    const shown = await admin.request('GET', '/__sandbox/churn');
    expect(shown.json).toEqual({ config: { seed: null, locale: 'en', interstitialRate: 0.15, slowRate: 0.15, hangRate: 0.03 }, enabled: false });
    for (const [body, field] of [[{ seed: 'x' }, 'seed'], [{ seed: 1.5 }, 'seed'], [{ locale: 'fr' }, 'locale'], [{ interstitialRate: 2 }, 'interstitialRate'], [{ hangRate: -1 }, 'hangRate'], [{ sead: 1 }, 'sead']] as const) {
      const res = await admin.request('POST', '/__sandbox/churn', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(res.json)).toContain(field);
    }
    const set = await admin.request('POST', '/__sandbox/churn', { seed: 4, locale: 'es', slowRate: 0 });
    expect(set.json).toEqual({ config: { seed: 4, locale: 'es', interstitialRate: 0.15, slowRate: 0, hangRate: 0.03 }, enabled: true });
    expect((await admin.request('POST', '/__sandbox/churn', { seed: null })).json.config).toMatchObject({ seed: null, locale: 'es' });
  });

  test('should refuse a bad churn option or environment value at start-up, naming it', async () => {
    await expect(startSandbox({ churnSeed: 1.5 })).rejects.toThrow(/churnSeed/);
    await expect(startSandbox({ locale: 'fr' as 'es' })).rejects.toThrow(SandboxOptionsError);
    const saved = { seed: process.env.RAIZE_SANDBOX_CHURN_SEED, locale: process.env.RAIZE_SANDBOX_LOCALE };
    try {
      process.env.RAIZE_SANDBOX_LOCALE = 'fr';
      await expect(startSandbox({})).rejects.toThrow(/locale.*RAIZE_SANDBOX_LOCALE/);
      delete process.env.RAIZE_SANDBOX_LOCALE;
      process.env.RAIZE_SANDBOX_CHURN_SEED = 'seven';
      await expect(startSandbox({})).rejects.toThrow(/churnSeed.*RAIZE_SANDBOX_CHURN_SEED/);
      process.env.RAIZE_SANDBOX_CHURN_SEED = '7';
      process.env.RAIZE_SANDBOX_LOCALE = 'es';
      const sb = await startSandbox({});
      try {
        expect((await new AdminClient(sb).request('GET', '/__sandbox/churn')).json.config).toMatchObject({ seed: 7, locale: 'es' });
      } finally {
        await sb.close();
      }
    } finally {
      for (const [k, v] of [['RAIZE_SANDBOX_CHURN_SEED', saved.seed], ['RAIZE_SANDBOX_LOCALE', saved.locale]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  test.describe('with a churn seed and Spanish from the start', () => {
    test.use({ sandboxOptions: { churnSeed: 5, locale: 'es' } });

    test('should serve churned Spanish pages, count views in a cookie and answer JSON messages in Spanish', async ({ sandbox, admin }) => {
      await admin.request('POST', '/__sandbox/churn', { interstitialRate: 0, slowRate: 0, hangRate: 0 });
      const base = sandbox.platforms.instagram;
      const loginPage = await fetch(`${base}/accounts/login/`);
      expect(loginPage.headers.get('set-cookie')).toContain('sb_view_instagram=1');
      expect(await loginPage.text()).toContain('<html lang="es">');
      const res = await fetch(`${base}/accounts/login/`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ username: IG.northwind.handle, password: IG.northwind.password }) });
      const jar = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      const get = async (cookies: string, view: number) => (await fetch(`${base}/${IG.northwind.handle}/`, { headers: { cookie: `${cookies}; sb_view_instagram=${view}` } })).text();
      const page = await get(jar, 2);
      // Same view, same bytes — in another session (the platform also counts a session's views:
      // the same cookie sent again is a later view of this one, as a restored old state would be).
      const again = await fetch(`${base}/accounts/login/`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ username: IG.northwind.handle, password: IG.northwind.password }) });
      expect(page).toBe(await get(again.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), 2));
      expect(page).toContain('Editar perfil');
      expect(page).toContain(`class="${hashedClass(5, 'ig-topnav')}`);
      expect(page).not.toContain('data-churn');
      await admin.fault({ kind: 'action_blocked', platform: 'instagram' });
      const blocked = await fetch(`${base}/p/SEED1aBc/like`, { method: 'POST', headers: { cookie: jar, accept: 'application/json' } });
      expect(blocked.status).toBe(400);
      expect(await blocked.json()).toMatchObject({ feedback_title: 'Acción bloqueada', message: UI_STRINGS_ES.instagram['Action Blocked. We restrict certain activity to protect our community. Tell us if you think we made a mistake.'] });
    });
  });

  test('should block clicks under a prompt until it is dismissed, and not show a dismissed prompt again', async ({ page, sandbox, admin }) => {
    const base = sandbox.platforms.instagram;
    const annex = ANNEX.instagram.v1;
    await admin.request('POST', '/__sandbox/churn', { seed: 11, interstitialRate: 0, slowRate: 0, hangRate: 0 });
    await login(page, base, annex, IG.northwind.handle, IG.northwind.password);
    // A rate of 0.25 per kind: a prompt on every view until its kind is dismissed.
    await admin.request('POST', '/__sandbox/churn', { interstitialRate: 0.25 });
    const dialog = page.locator('[role="dialog"][aria-modal="true"]');
    const kindShown = async () => {
      const title = await dialog.getAttribute('aria-label');
      return PROMPT_KINDS.find((k) => PROMPT_TEXT.en.instagram[k].title === title)!;
    };
    await page.goto(`${base}/${IG.northwind.handle}/`);
    await expect(dialog).toHaveCount(1);
    const kind = await kindShown();
    await expect(page.locator('[data-testid="nav-direct"]').click({ timeout: 1500 })).rejects.toThrow(/intercepts pointer events|Timeout/);
    await expect(page).toHaveURL(`${base}/${IG.northwind.handle}/`);
    await page.getByRole('button', { name: PROMPT_TEXT.en.instagram[kind].dismiss, exact: true }).click();
    await expect(dialog).toHaveCount(0);
    await page.locator('[data-testid="nav-direct"]').click();
    await expect(page).toHaveURL(`${base}/direct/inbox/`);
    const later: string[] = [];
    for (let i = 0; i < 12; i++) {
      await page.goto(`${base}/${IG.northwind.handle}/`);
      if ((await dialog.count()) === 0) continue;
      const k = await kindShown();
      later.push(k);
      await page.getByRole('button', { name: PROMPT_TEXT.en.instagram[k].dismiss, exact: true }).click();
    }
    expect(later).not.toContain(kind);
    expect(later.length).toBeGreaterThan(0);
  });

  test('should reveal the hidden main content after the spinner, and keep it hidden on a hung view', async ({ page, sandbox, admin }) => {
    const base = sandbox.platforms.x;
    const annex = ANNEX.x.v1;
    await admin.request('POST', '/__sandbox/churn', { seed: 2, interstitialRate: 0, slowRate: 0, hangRate: 0 });
    await login(page, base, annex, 'northwindbakery', 'northwindbakery-pass');
    await admin.request('POST', '/__sandbox/churn', { slowRate: 1 });
    await page.goto(`${base}/northwindbakery`);
    const handle = page.locator('[data-testid="UserName-handle"]');
    await expect(handle).toBeVisible({ timeout: 5000 });
    await expect(page.getByRole('progressbar', { name: 'Loading…' })).toHaveCount(0);
    await admin.request('POST', '/__sandbox/churn', { slowRate: 0, hangRate: 1 });
    await page.goto(`${base}/northwindbakery`);
    await expect(page.getByRole('progressbar', { name: 'Loading…' })).toBeVisible();
    // "Never revealed" is a negative: wait past the longest reveal (1500 ms), then look.
    await page.waitForTimeout(1700);
    await expect(handle).toBeHidden();
  });
});
