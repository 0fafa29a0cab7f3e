import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import type { Platform } from '../types.js';
import { cookies } from '../validation.js';
import { CHURN_DEFAULTS, churnPage, type ChurnOptions } from './churn.js';
import { dismissedCookie } from './churn-widgets.js';
import { LOCALES, translate, type Locale } from './locale.js';

/** The churn settings in force (start-up options, then `POST /__sandbox/churn`). */
export interface ChurnConfig extends Required<Omit<ChurnOptions, 'seed'>> {
  seed?: number;
  locale: Locale;
}

const rate = z.number().min(0).max(1);
/** `POST /__sandbox/churn`: the fields given replace the current ones; `seed: null` turns churn off. */
export const churnInputSchema = z
  .object({ seed: z.number().int().nullable().optional(), locale: z.enum(LOCALES).optional(), interstitialRate: rate.optional(), slowRate: rate.optional(), hangRate: rate.optional() })
  .strict();
export type ChurnInput = z.input<typeof churnInputSchema>;

export function churnConfig(o: { seed?: number; locale?: Locale }): ChurnConfig {
  return { ...CHURN_DEFAULTS, locale: o.locale ?? 'en', ...(o.seed !== undefined ? { seed: o.seed } : {}) };
}

export function applyChurnInput(config: ChurnConfig, input: z.output<typeof churnInputSchema>): void {
  const { seed, ...rest } = input;
  Object.assign(config, Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)));
  if (seed === null) delete config.seed;
  else if (seed !== undefined) config.seed = seed;
}

/** Cookie counting the browser session's page views of a platform. */
export const viewCookie = (platform: Platform) => `sb_view_${platform}`;

/** Churn's name of the page a request rendered (`requestSurface` as the fault scopes name it). */
function pageSurface(requestSurface: string, status: number): string {
  if (requestSurface === 'login' || requestSurface === 'challenge') return requestSurface;
  if (status >= 400) return 'error';
  return ({ compose: 'composer', home: 'profile' } as Record<string, string>)[requestSurface] ?? requestSurface;
}

/**
 * The platform's own count of a logged-in session's views, beside the cookie: a browser that
 * restores an older storage state (a runner's saved session, each episode) rewinds the cookie,
 * and would otherwise meet the very same draws — the same page hanging forever — every time.
 */
const SESSION_VIEWS = new WeakMap<ChurnConfig, Map<string, number>>();

/** The page the router sends: churned for this session's view, whose counter it advances. */
export function churnResponse(config: ChurnConfig, platform: Platform, res: Response, body: string, status: number, requestSurface: string, sessionCookie?: string): string {
  if (config.seed === undefined && config.locale === 'en') return churnPage(body, { ...config, platform, surface: requestSurface, view: 0, dismissed: new Set() });
  const jar = cookies(res.req);
  const session = sessionCookie ? jar[sessionCookie] : undefined;
  let counts = SESSION_VIEWS.get(config);
  if (!counts) SESSION_VIEWS.set(config, (counts = new Map()));
  const key = `${platform}|${session}`;
  const view = Math.max(0, Math.floor(Number(jar[viewCookie(platform)]) || 0), session ? (counts.get(key) ?? 0) : 0);
  if (session && config.seed !== undefined) counts.set(key, view + 1);
  const dismissed = new Set((jar[dismissedCookie(platform)] ?? '').split('.').filter(Boolean));
  if (config.seed !== undefined) res.cookie(viewCookie(platform), String(view + 1), { path: '/', sameSite: 'lax' });
  return churnPage(body, { ...config, platform, surface: pageSurface(requestSurface, status), view, dismissed });
}

/** JSON answers' `message` (the toasts page scripts show) and `feedback_title` in the locale. */
export function localizeJson(config: ChurnConfig, platform: Platform) {
  return (_req: Request, res: Response, next: NextFunction) => {
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      if (config.locale === 'en' || !body || typeof body !== 'object') return json(body);
      const out: Record<string, unknown> = { ...(body as Record<string, unknown>) };
      for (const key of ['message', 'feedback_title']) if (typeof out[key] === 'string') out[key] = translate(out[key] as string, platform, config.locale);
      return json(out);
    };
    next();
  };
}
