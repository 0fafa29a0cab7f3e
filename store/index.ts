export * from './records.js';
export type * from './ports.js';
export { StaleStateError, NotFoundError, RecordInvalidError, BudgetRefusedError, FencedError } from './errors.js';
export { newId } from './ids.js';
export { canonicalJson, sha256Hex, hashCanonical } from './hash.js';
export { createSqliteStore, auditLinkHash, GENESIS_HASH } from './sqlite/index.js';
export type { SqliteOptions } from './sqlite/index.js';
export { createVault, loadSecretKey, parseSecretKey, secretKeyFile, Secret, SecretKeyError, SecretSealError } from './vault.js';
export type { Vault, SecretKey, OpenedSecret } from './vault.js';
