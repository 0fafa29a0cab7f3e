export { BundleKeyError, bundleKeyPaths, keyIdOf, loadOrCreateBundleKey, readBundlePublicKey, type BundleSigningKey } from './keys.js';
export { BUNDLE_FILES, BUNDLE_VERSION, EVENT_VERSION, manifestSchema, SCHEMAS } from './records.js';
export { pseudonym, redactedPreview, sha256Hex } from './redact.js';
export { verifyBundle, type BundleVerdict } from './verify.js';
export { bundleDirs, signatureFile, sumsOf, writeBundles, type BundlePaths } from './write.js';
