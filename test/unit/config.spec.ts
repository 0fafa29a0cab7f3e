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
});
