/**
 * The token vault with the real `electron-store` (on a temporary folder) and the recording
 * `safeStorage` stand-in: encryption at rest, failing closed without a keyring, corrupt and
 * foreign stores set aside, re-encryption after a key rotation.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as electron from 'electron'
import Store from 'electron-store'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openVault, type VaultOptions } from '../../../electron/adapters/vault'
import type { AccountRecord } from '../../../electron/services/vault-types'
import type { FakeElectron } from '../../helpers/fake-electron'

const fake = electron as unknown as FakeElectron
const NOW = Date.UTC(2026, 10, 22, 20, 31, 5)

function record(sub: string, token = `at-${sub}-9f8e7d6c5b4a`): AccountRecord {
  return {
    view: {
      id: `demo:${sub}`,
      providerId: 'demo',
      providerName: 'Linkscreen demo',
      sub,
      name: `User ${sub}`,
      email: `${sub}@example.test`,
      picture: null,
      scope: 'openid',
      signedInAt: NOW,
      status: 'active',
      expiresAt: null,
      canApprove: false,
    },
    tokens: { access_token: token, token_type: 'Bearer', refresh_token: `rt-${sub}-0a1b2c3d4e5f`, extra: {} },
  }
}

let dir: string
let storePath: string

function options(overrides: Partial<VaultOptions> = {}): VaultOptions {
  return {
    safeStorage: fake.safeStorage,
    storePath,
    openStore: () => new Store({ name: 'accounts', cwd: dir, clearInvalidConfig: false }),
    platform: 'linux',
    allowWeak: false,
    now: () => NOW,
    ...overrides,
  }
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'linkscreen-vault-'))
  storePath = join(dir, 'accounts.json')
  fake.safeStorage.backend = 'gnome_libsecret'
  fake.safeStorage.available = true
  fake.safeStorage.setMachine('machine-a')
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('the vault, encrypted', () => {
  it('keeps accounts across restarts and writes no token in plaintext', async () => {
    const first = await openVault(options())
    expect(first.storage).toBe('encrypted')
    expect(first.notices).toEqual([])
    await first.vault.put(record('alice'))
    await first.vault.put(record('bob'))
    const onDisk = await readFile(storePath, 'utf8')
    for (const secret of ['at-alice-9f8e7d6c5b4a', 'rt-alice-0a1b2c3d4e5f', 'at-bob-9f8e7d6c5b4a', 'User alice']) expect(onDisk).not.toContain(secret)

    const second = await openVault(options())
    const loaded = await second.vault.load()
    expect(loaded.map((r) => r.view.id).sort()).toEqual(['demo:alice', 'demo:bob'])
    expect(loaded.find((r) => r.view.sub === 'alice')?.tokens.access_token).toBe('at-alice-9f8e7d6c5b4a')
  })

  it('replaces an account with the same id and removes one for good', async () => {
    const vault = (await openVault(options())).vault
    await vault.put(record('alice', 'at-old-1111111111'))
    await vault.put(record('alice', 'at-new-2222222222'))
    await vault.put(record('bob'))
    await vault.remove('demo:bob')
    const reopened = await (await openVault(options())).vault.load()
    expect(reopened.map((r) => [r.view.id, r.tokens.access_token])).toEqual([['demo:alice', 'at-new-2222222222']])
  })

  it('re-encrypts an entry that decryptStringAsync says should be', async () => {
    await (await openVault(options())).vault.put(record('alice'))
    const before = JSON.parse(await readFile(storePath, 'utf8')).accounts['demo:alice'] as string
    fake.safeStorage.rotate()
    const encryptedBefore = fake.safeStorage.encrypted
    const reopened = await openVault(options())
    expect(fake.safeStorage.encrypted).toBe(encryptedBefore + 1)
    const after = JSON.parse(await readFile(storePath, 'utf8')).accounts['demo:alice'] as string
    expect(after).not.toBe(before)
    expect(Buffer.from(after, 'base64')[0]).toBe(2)
    expect((await reopened.vault.load())[0]?.tokens.access_token).toBe('at-alice-9f8e7d6c5b4a')
  })
})

describe('the vault without a keyring', () => {
  it('fails closed on basic_text: nothing on disk, the screen is told', async () => {
    fake.safeStorage.backend = 'basic_text'
    const opened = await openVault(options())
    expect(opened.storage).toBe('memory')
    expect(opened.notices.map((n) => n.code)).toEqual(['no_keyring'])
    await opened.vault.put(record('alice'))
    expect(await opened.vault.load()).toHaveLength(1)
    await expect(readFile(storePath)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('leaves an existing store alone while failing closed (the keyring may come back)', async () => {
    await (await openVault(options())).vault.put(record('alice'))
    const before = await readFile(storePath, 'utf8')
    fake.safeStorage.backend = 'basic_text'
    const opened = await openVault(options())
    await opened.vault.put(record('bob'))
    expect(await readFile(storePath, 'utf8')).toBe(before)
  })

  it('persists on basic_text only when the administrator allows weak storage', async () => {
    fake.safeStorage.backend = 'basic_text'
    const opened = await openVault(options({ allowWeak: true }))
    expect(opened.storage).toBe('weak')
    await opened.vault.put(record('alice'))
    expect(await (await openVault(options({ allowWeak: true }))).vault.load()).toHaveLength(1)
  })

  it('is memory-only when async encryption is unavailable', async () => {
    fake.safeStorage.available = false
    const opened = await openVault(options())
    expect(opened.storage).toBe('memory')
    expect(opened.notices.map((n) => n.code)).toEqual(['encryption_unavailable'])
  })

  it('ignores the backend on other platforms', async () => {
    fake.safeStorage.backend = 'basic_text'
    expect((await openVault(options({ platform: 'win32' }))).storage).toBe('encrypted')
  })
})

describe('a damaged store', () => {
  const cases: [string, string, RegExp][] = [
    ['truncated', '{"version":1,"accounts":{"demo:alice":"AQID', /not JSON/],
    ['not JSON', 'hello, world', /not JSON/],
    ['empty', '', /empty/],
    ['of another shape', '{"version":7,"accounts":[]}', /not a Linkscreen account store/],
    ['of a shape zod itself throws on', '{"version":1,"accounts":{"a":{"length":{"toString":1}}}}', /not a Linkscreen account store/],
  ]
  for (const [name, content, reason] of cases) {
    it(`is moved aside when ${name}, and the app goes on with an empty vault`, async () => {
      await writeFile(storePath, content)
      const opened = await openVault(options())
      expect(opened.storage).toBe('encrypted')
      expect(await opened.vault.load()).toEqual([])
      expect(opened.notices).toHaveLength(1)
      expect(opened.notices[0]?.code).toBe('store_moved_aside')
      expect(opened.notices[0]?.message).toMatch(reason)
      const aside = join(dir, 'accounts.corrupt-2026-11-22T20-31-05Z.json')
      expect(opened.notices[0]?.message).toContain(aside)
      expect(await readFile(aside, 'utf8')).toBe(content)
      // The vault works afterwards.
      await opened.vault.put(record('alice'))
      expect(await (await openVault(options())).vault.load()).toHaveLength(1)
    })
  }

  it('keeps what this machine can decrypt and sets a copy aside for entries from another machine', async () => {
    const cipher = async (r: AccountRecord) => Buffer.from(await fake.safeStorage.encryptStringAsync(JSON.stringify(r))).toString('base64')
    fake.safeStorage.setMachine('machine-b')
    const foreign = await cipher(record('foreign'))
    fake.safeStorage.setMachine('machine-a')
    const local = await cipher(record('local'))
    const original = JSON.stringify({ version: 1, accounts: { 'demo:foreign': foreign, 'demo:local': local } })
    await writeFile(storePath, original)

    const opened = await openVault(options())
    expect((await opened.vault.load()).map((r) => r.view.id)).toEqual(['demo:local'])
    expect(opened.notices.map((n) => n.code)).toEqual(['accounts_undecryptable'])
    const files = await readdir(dir)
    const aside = files.find((f) => f.startsWith('accounts.corrupt-'))
    expect(aside).toBeDefined()
    expect(await readFile(join(dir, aside ?? ''), 'utf8')).toBe(original)
    expect(Object.keys(JSON.parse(await readFile(storePath, 'utf8')).accounts)).toEqual(['demo:local'])
  })

  it('treats an entry that decrypts to something else than an account as undecryptable', async () => {
    const garbage = Buffer.from(await fake.safeStorage.encryptStringAsync('{"not":"an account"}')).toString('base64')
    await writeFile(storePath, JSON.stringify({ version: 1, accounts: { 'demo:x': garbage } }))
    const opened = await openVault(options())
    expect(await opened.vault.load()).toEqual([])
    expect(opened.notices.map((n) => n.code)).toEqual(['accounts_undecryptable'])
  })
})

describe('the code on screen', () => {
  const authorization = {
    device_code: 'dc-SECRET-4b3a2918',
    user_code: 'WDJB-MJHT',
    verification_uri: 'https://as.example/device',
    expires_in: 600,
    interval: 5,
    expires_at: NOW + 600_000,
  }

  it('is kept encrypted across restarts, and cleared', async () => {
    const first = await openVault(options())
    await first.vault.savePending({ providerId: 'as', authorization })
    expect(await readFile(storePath, 'utf8')).not.toContain('dc-SECRET-4b3a2918')
    expect(await readFile(storePath, 'utf8')).not.toContain('WDJB-MJHT')
    const second = await openVault(options())
    expect(await second.vault.loadPending()).toEqual({ providerId: 'as', authorization })
    await second.vault.savePending(undefined)
    expect(await (await openVault(options())).vault.loadPending()).toBeUndefined()
  })

  it('is forgotten when it cannot be decrypted or names an unsafe URL', async () => {
    const vault = (await openVault(options())).vault
    await vault.savePending({ providerId: 'as', authorization: { ...authorization, verification_uri: 'javascript:alert(1)' } })
    expect(await (await openVault(options())).vault.loadPending()).toBeUndefined()
    await vault.savePending({ providerId: 'as', authorization })
    fake.safeStorage.setMachine('machine-b')
    const elsewhere = await openVault(options())
    expect(await elsewhere.vault.loadPending()).toBeUndefined()
    expect(JSON.parse(await readFile(storePath, 'utf8')).pending).toBeUndefined()
  })
})
