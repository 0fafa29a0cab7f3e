export { CONFIG_TABLE, ConfigError, resolveConfig } from './config.js';
export type { ConfigOptions, RaizeConfig } from './config.js';
