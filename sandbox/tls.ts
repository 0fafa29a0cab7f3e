import { randomBytes, webcrypto } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as X509 from '@peculiar/x509';

/** @peculiar/x509 wants the reflect-metadata polyfill loaded first: both only when TLS is asked for. */
let loaded: Promise<typeof X509> | undefined;
const lib = () =>
  (loaded ??= (async () => {
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(webcrypto as unknown as Crypto);
    return x509;
  })());

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

/** The sandbox's HTTPS material: a local CA (kept in `dir`, reused across starts) and a server certificate it signed. */
export interface SandboxTls {
  /** Path of the CA certificate (PEM): what a client adds to the CAs it trusts. */
  caFile: string;
  /** The server certificate (PEM) for 127.0.0.1 and localhost, and its private key (PKCS#8 PEM). */
  cert: string;
  key: string;
}

const serial = () => {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f; // a positive INTEGER (RFC 5280 §4.1.2.2)
  return bytes.toString('hex');
};

const pkcs8Pem = async (x509: typeof X509, key: CryptoKey) =>
  x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey), 'PRIVATE KEY');

async function loadCa(x509: typeof X509, dir: string): Promise<{ cert: X509.X509Certificate; key: CryptoKey } | undefined> {
  try {
    const cert = new x509.X509Certificate(await readFile(join(dir, 'ca.pem'), 'utf8'));
    if (cert.notAfter.getTime() - Date.now() < 30 * DAY) return undefined;
    const der = x509.PemConverter.decodeFirst(await readFile(join(dir, 'ca.key'), 'utf8'));
    const key = (await webcrypto.subtle.importKey('pkcs8', der, ALG, false, ['sign'])) as unknown as CryptoKey;
    return { cert, key };
  } catch {
    return undefined;
  }
}

async function createCa(x509: typeof X509, dir: string): Promise<{ cert: X509.X509Certificate; key: CryptoKey }> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=Raize sandbox local CA, O=Raize sandbox',
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 3650 * DAY),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // The CA's key signs certificates every client of this machine trusts: private to its owner.
  await writeFile(join(dir, 'ca.key'), await pkcs8Pem(x509, keys.privateKey), { mode: 0o600 });
  await chmod(join(dir, 'ca.key'), 0o600);
  await writeFile(join(dir, 'ca.pem'), cert.toString('pem'), { mode: 0o644 });
  return { cert, key: keys.privateKey };
}

/**
 * HTTPS for the sandbox's platform origins (issue 9): the real APIs are HTTPS-only and real
 * client libraries refuse plain http. The CA is generated once in `dir` (`ca.pem`, `ca.key`
 * 0600) and reused, so a client configured with it keeps working across restarts; the server
 * certificate (127.0.0.1, localhost; 30 days) is issued fresh at each start and never written.
 */
export async function sandboxTls(dir: string): Promise<SandboxTls> {
  const x509 = await lib();
  const ca = (await loadCa(x509, dir)) ?? (await createCa(x509, dir));
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=127.0.0.1, O=Raize sandbox',
    issuer: ca.cert.subject,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 30 * DAY),
    signingKey: ca.key,
    publicKey: keys.publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }, { type: 'dns', value: 'localhost' }]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  return { caFile: join(dir, 'ca.pem'), cert: cert.toString('pem'), key: await pkcs8Pem(x509, keys.privateKey) };
}
