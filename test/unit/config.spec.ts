import { test, expect } from '@playwright/test';
import { ConfigError, resolveConfig } from '../../config/index.js';

test.describe('config', () => {
  test('should apply defaults and freeze the result', () => {
    const config = resolveConfig({}, {});
    expect(config.port).toBe(8080);
    expect(config.dbFile.endsWith('data/raize.db')).toBe(true);
    expect(Object.isFrozen(config)).toBe(true);
  });

  test('should prefer options over env over defaults', () => {
    expect(resolveConfig({}, { RAIZE_PORT: '9000' }).port).toBe(9000);
    expect(resolveConfig({ port: 9100 }, { RAIZE_PORT: '9000' }).port).toBe(9100);
  });

  test('should stop with a message naming the field and env var on a bad value', () => {
    expect(() => resolveConfig({}, { RAIZE_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => resolveConfig({}, { RAIZE_PORT: '70000' })).toThrow(/port \(RAIZE_PORT\)/);
    expect(() => resolveConfig({}, { RAIZE_LOG_LEVEL: 'loud' })).toThrow(/logLevel \(RAIZE_LOG_LEVEL\)/);
  });

  test('should take a PostgreSQL URL for the store and never echo it (a password) in its error', () => {
    expect(resolveConfig({}, {}).databaseUrl).toBeUndefined();
    expect(resolveConfig({}, { RAIZE_DATABASE_URL: 'postgres://raize:pw@127.0.0.1:5432/raize' }).databaseUrl).toBe('postgres://raize:pw@127.0.0.1:5432/raize');
    const canary = 'canary-pw-7f3a9c';
    let error: unknown;
    try {
      resolveConfig({}, { RAIZE_DATABASE_URL: `mysql://raize:${canary}@db/raize` });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(String((error as Error).message)).toMatch(/databaseUrl \(RAIZE_DATABASE_URL\): must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(String((error as Error).message)).not.toContain(canary);
  });

  test('should take remote browser servers as a comma-separated list of ws URLs and never echo their tokens in its error', () => {
    expect(resolveConfig({}, {}).browserEndpoints).toBeUndefined();
    expect(resolveConfig({}, { RAIZE_BROWSER_ENDPOINTS: 'ws://10.0.0.5:9222/tokenAAAAAAAAAAAAAAAA, wss://b.internal:443/tokenBBBBBBBBBBBBBBBB' }).browserEndpoints)
      .toEqual(['ws://10.0.0.5:9222/tokenAAAAAAAAAAAAAAAA', 'wss://b.internal:443/tokenBBBBBBBBBBBBBBBB']);
    const canary = 'canaryTokenC0ffee1234';
    let error: unknown;
    try {
      resolveConfig({}, { RAIZE_BROWSER_ENDPOINTS: `ws://10.0.0.5:9222/${canary},http://10.0.0.6:9222/${canary}` });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(String((error as Error).message)).toMatch(/browserEndpoints \(RAIZE_BROWSER_ENDPOINTS\): .*ws:\/\/ or wss:\/\//);
    expect(String((error as Error).message)).not.toContain(canary);
  });
});
