import type { Platform } from '../types.js';
import { esc } from './html.js';
import type { Locale } from './locale.js';

/** Interstitial prompts, in the order the per-view draw indexes them. */
export const PROMPT_KINDS = ['notifications', 'save_login', 'promo', 'cookies'] as const;
export type PromptKind = (typeof PROMPT_KINDS)[number];

/** Cookie naming the prompts dismissed in this browser session (kinds joined by "."). */
export const dismissedCookie = (platform: Platform) => `sb_dismissed_${platform}`;

interface PromptText {
  title: string;
  body: string;
  accept: string;
  dismiss: string;
}

const PROMPTS: Record<Locale, Record<Platform, Record<PromptKind, PromptText>>> = {
  en: {
    instagram: {
      notifications: { title: 'Turn on Notifications', body: 'Know right away when people follow you or like and comment on your photos.', accept: 'Turn On', dismiss: 'Not Now' },
      save_login: { title: 'Save your login info?', body: "We can save your login info on this browser so you don't need to enter it again.", accept: 'Save info', dismiss: 'Not now' },
      promo: { title: 'Try Reels', body: 'Create short, entertaining videos and share them with your followers.', accept: 'Try it', dismiss: 'Not now' },
      cookies: { title: 'Allow the use of cookies from Instagram on this browser?', body: 'We use cookies to help personalize content and provide a safer experience.', accept: 'Allow all cookies', dismiss: 'Decline optional cookies' },
    },
    x: {
      notifications: { title: 'Turn on Notifications', body: 'Get alerted when there’s new activity on your posts.', accept: 'Allow notifications', dismiss: 'Not Now' },
      save_login: { title: 'Save your login info?', body: 'Log in faster next time on this browser.', accept: 'Save', dismiss: 'Not now' },
      promo: { title: 'Get verified', body: 'Get a checkmark, edit posts and more with Premium.', accept: 'Subscribe', dismiss: 'Maybe later' },
      cookies: { title: 'Did someone say … cookies?', body: 'X and its partners use cookies to provide you with a better, safer and faster service.', accept: 'Allow all cookies', dismiss: 'Decline optional cookies' },
    },
  },
  es: {
    instagram: {
      notifications: { title: 'Activar notificaciones', body: 'Entérate al instante cuando alguien te siga o indique que le gustan o comente tus fotos.', accept: 'Activar', dismiss: 'Ahora no' },
      save_login: { title: '¿Guardar tu información de inicio de sesión?', body: 'Podemos guardar tu información de inicio de sesión en este navegador para que no tengas que volver a introducirla.', accept: 'Guardar información', dismiss: 'Ahora no' },
      promo: { title: 'Prueba Reels', body: 'Crea vídeos cortos y entretenidos y compártelos con tus seguidores.', accept: 'Probar', dismiss: 'Ahora no' },
      cookies: { title: '¿Permitir el uso de cookies de Instagram en este navegador?', body: 'Usamos cookies para personalizar el contenido y ofrecer una experiencia más segura.', accept: 'Permitir todas las cookies', dismiss: 'Rechazar cookies opcionales' },
    },
    x: {
      notifications: { title: 'Activar notificaciones', body: 'Recibe alertas cuando haya actividad nueva en tus posts.', accept: 'Permitir notificaciones', dismiss: 'Ahora no' },
      save_login: { title: '¿Guardar tu información de inicio de sesión?', body: 'Inicia sesión más rápido la próxima vez en este navegador.', accept: 'Guardar', dismiss: 'Ahora no' },
      promo: { title: 'Obtén la verificación', body: 'Obtén una marca de verificación, edita posts y mucho más con Premium.', accept: 'Suscribirse', dismiss: 'Quizás más tarde' },
      cookies: { title: '¿Alguien dijo… cookies?', body: 'X y sus socios usan cookies para ofrecerte un servicio mejor, más seguro y más rápido.', accept: 'Permitir todas las cookies', dismiss: 'Rechazar cookies opcionales' },
    },
  },
};

/** The English and Spanish texts of the prompts (for annexes that must recognise them). */
export const PROMPT_TEXT: Readonly<typeof PROMPTS> = PROMPTS;

/**
 * A modal prompt over a backdrop covering the viewport: clicks on the page underneath land on the
 * backdrop until a button of the prompt (each dismisses it) removes it and adds its kind to the
 * session's dismissed-prompts cookie.
 */
export function promptMarkup(kind: PromptKind, platform: Platform, locale: Locale): string {
  const t = PROMPTS[locale][platform][kind];
  const cookie = dismissedCookie(platform);
  const button = 'display:block;width:100%;margin-top:8px;padding:10px;border:0;border-radius:8px;font:inherit;cursor:pointer';
  return `<div style="position:fixed;inset:0;z-index:2147483000;background:rgba(0,0,0,.5);display:flex;align-items:center;justify-content:center">
<div role="dialog" aria-modal="true" aria-label="${esc(t.title)}" style="background:#fff;color:#111;max-width:400px;padding:24px;border-radius:12px;text-align:center">
<h2>${esc(t.title)}</h2><p>${esc(t.body)}</p>
<button type="button" style="${button};background:#0095f6;color:#fff">${esc(t.accept)}</button><button type="button" style="${button};background:none">${esc(t.dismiss)}</button></div></div>
<script>(() => { const b = document.currentScript.previousElementSibling;
  b.addEventListener('click', (e) => { if (!e.target.closest('button')) return;
    const jar = document.cookie.split('; ').find((c) => c.startsWith(${JSON.stringify(`${cookie}=`)}));
    const kinds = new Set(jar ? decodeURIComponent(jar.slice(${cookie.length + 1})).split('.').filter(Boolean) : []);
    kinds.add(${JSON.stringify(kind)});
    document.cookie = ${JSON.stringify(`${cookie}=`)} + encodeURIComponent([...kinds].join('.')) + '; path=/; SameSite=Lax';
    b.remove(); }); })();</script>`;
}

const LOADING: Record<Locale, string> = { en: 'Loading…', es: 'Cargando…' };

/** The spinner shown while the main content is hidden. */
export const spinnerMarkup = (locale: Locale) =>
  `<div role="progressbar" aria-label="${LOADING[locale]}" aria-busy="true" style="width:32px;height:32px;margin:48px auto;border:3px solid #ddd;border-top-color:#888;border-radius:50%;animation:sb-spin 1s linear infinite"><style>@keyframes sb-spin{to{transform:rotate(1turn)}}</style></div>`;

/** Reveals the element after the script (the hidden main content) `ms` later and drops the spinner before it. */
export const revealScript = (ms: number) =>
  `<script>(() => { const s = document.currentScript; setTimeout(() => { const m = s.nextElementSibling, p = s.previousElementSibling; if (m) m.hidden = false; if (p) p.remove(); s.remove(); }, ${ms}); })();</script>`;

const SUGGESTIONS: Record<Locale, Record<Platform, { title: string; links: string[] }>> = {
  en: { instagram: { title: 'Suggested for you', links: ['Explore', 'Reels', 'About'] }, x: { title: 'What’s happening', links: ['Explore', 'Trending', 'Who to follow'] } },
  es: { instagram: { title: 'Sugerencias para ti', links: ['Explorar', 'Reels', 'Información'] }, x: { title: 'Qué está pasando', links: ['Explorar', 'Tendencias', 'A quién seguir'] } },
};

/** Variant B's extra panel: a complementary landmark with a few links that lead nowhere. */
export function suggestionsMarkup(platform: Platform, locale: Locale): string {
  const s = SUGGESTIONS[locale][platform];
  return `<aside role="complementary" aria-label="${locale === 'es' ? 'Sugerencias' : 'Suggestions'}" style="padding:12px"><h2>${esc(s.title)}</h2><ul>${s.links.map((l) => `<li><a href="#">${esc(l)}</a></li>`).join('')}</ul></aside>`;
}
