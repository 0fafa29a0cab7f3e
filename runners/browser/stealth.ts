import { createRequire } from 'node:module';
import StealthPlugin from 'puppeteer-extra-plugin-stealth';

const require = createRequire(import.meta.url);

/** The puppeteer-extra plugin shape the one hook below needs. */
interface PagePlugin {
  onPageCreated(page: object): Promise<void>;
}

/** "Target page, context or browser has been closed" and its CDP kin: the page went before its evasion landed. */
const GONE = /has been closed|Target closed|Session closed|Browser closed|Target page, context or browser/i;

/** Whether an error only says the page, context or browser it was for has closed. */
export function isPageGone(error: unknown): boolean {
  return GONE.test(String((error as Error)?.message ?? error));
}

/**
 * The stealth plugin without its one unawaited promise. The `user-agent-override` evasion sends
 * `Network.setUserAgentOverride` and does not await it: when the page's context closes first
 * (an episode that ends fast, a kill switch, a busy host), the rejection is unhandled and takes
 * the whole farm process down — it did, in the farm bench. Here the same evasion runs with its
 * CDP sends collected and awaited; a page that has gone is no error, anything else is thrown
 * to playwright-extra, which reports it per plugin.
 */
export function stealthPlugins(): object[] {
  const stealth = StealthPlugin();
  stealth.enabledEvasions.delete('user-agent-override');
  const createOverride = require('puppeteer-extra-plugin-stealth/evasions/user-agent-override') as () => PagePlugin;
  const override = createOverride();
  const original = override.onPageCreated.bind(override);
  override.onPageCreated = async (page: object) => {
    const sends: Promise<unknown>[] = [];
    const watched = new Proxy(page, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (prop !== '_client' || typeof value !== 'function') return value;
        return () => {
          const client = (value as () => { send(method: string, params?: object): Promise<unknown> }).call(target);
          return new Proxy(client, {
            get(c, p) {
              if (p !== 'send') return Reflect.get(c, p) as unknown;
              return (method: string, params?: object) => {
                const sent = c.send(method, params);
                sends.push(sent);
                return sent;
              };
            },
          });
        };
      },
    });
    await original(watched);
    for (const result of await Promise.allSettled(sends)) {
      if (result.status === 'rejected' && !GONE.test(String((result.reason as Error)?.message ?? result.reason))) throw result.reason;
    }
  };
  return [stealth, override];
}
