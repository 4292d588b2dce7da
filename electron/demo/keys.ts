/**
 * The demo provider's signing key: a fresh RSA key (RS256 ID tokens) per start, in memory only.
 *
 * Apart from ./demo-server.ts, which loads oidc-provider, so that a caller can start generating
 * the key (tens of milliseconds, sometimes a few hundred, in libuv's thread pool) before it
 * loads the server and have both done at once: `lazyDemo` (services/providers.ts) does, and the
 * CLI's `login --provider demo` reaches its code sooner for it (issue #16).
 */
import { generateKeyPair, randomBytes } from 'node:crypto'
import { promisify } from 'node:util'
import type { JWK } from 'oidc-provider'

const generateKeyPairAsync = promisify(generateKeyPair)

/** A new private signing key set with one RSA 2048 key (`RS256`), never written anywhere. */
export async function generateDemoJwks(): Promise<{ keys: JWK[] }> {
  const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 })
  const jwk = privateKey.export({ format: 'jwk' })
  return { keys: [{ ...jwk, kty: 'RSA', kid: `demo-${randomBytes(6).toString('hex')}`, use: 'sig', alg: 'RS256' }] }
}
