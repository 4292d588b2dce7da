/**
 * The one mechanism that keeps secrets out of every text leaving the core: a `Scrubber` is made
 * where a provider's HTTP client is made, is told the provider's configured secrets (client
 * secret, header values), and learns on its own every secret a request carries (secret-named
 * body fields, `Authorization` credentials) and every secret an answer delivers (`device_code`,
 * tokens). Errors, provider messages, URLs, logs, events and results are then passed through
 * it at the boundary where they leave a layer (`guard`, `error`, `deep`, `text`).
 *
 * A secret is found in the forms a server may write it back in: as is, in any case,
 * percent-encoded (also every byte, and `+` for space), base64 and base64url (at any byte
 * alignment, so also inside a longer base64 text such as Basic credentials), JSON-escaped and
 * HTML-escaped; and any run of {@link SECRET_HEAD_LENGTH} characters or more of such a form is
 * redacted too, which catches a secret cut off by a length cap or split over two fields.
 */
import { bodyText } from './body'
import { LinkscreenError, isAbortError } from './errors'
import { REDACTED, SECRET_HEAD_LENGTH, isSecretKey } from './redact'
import type { FetchLike } from './types'

/** Secrets shorter than this are not scrubbed (they would mangle ordinary text). */
export const MIN_SECRET_LENGTH = 4
/**
 * How many learned secrets one scrubber keeps, and how many characters they may hold together
 * (configured ones are always kept); the oldest go first. A long-running app learns tokens at
 * every refresh, and old ones no longer matter.
 */
export const DEFAULT_MAX_LEARNED = 256
export const DEFAULT_MAX_LEARNED_CHARS = 32 * 1024
/** Secrets longer than this are not also matched in their byte-escaped and base64 forms (see `secretForms`). */
export const MAX_REENCODED_LENGTH = 256
/** A body larger than this is not inspected for secrets. */
const MAX_INSPECT_CHARS = 64 * 1024

export interface ScrubberOptions {
  /** Secrets known from the start (the client secret, configured header values); never forgotten. */
  readonly secrets?: Iterable<string | undefined>
  /**
   * Also learn user codes (`user_code`, `userCode`) from traffic. Off for text that is shown:
   * the user code is on screen by design. The QA flow log turns it on.
   */
  readonly learnUserCodes?: boolean
  /** Default {@link DEFAULT_MAX_LEARNED}. */
  readonly maxLearned?: number
  /** Default {@link DEFAULT_MAX_LEARNED_CHARS}. */
  readonly maxLearnedChars?: number
}

const USER_CODE_KEYS = new Set(['usercode'])
/** In a response, `code` is far more often an error code (better-auth's `{message, code}`) than a secret. */
const NOT_SECRET_IN_RESPONSES = new Set(['code'])
const normal = (key: string): string => key.toLowerCase().replace(/[-_]/g, '')

/** `text` lower-cased character by character, so that offsets stay (`İ` lower-cases to two). */
function fold(text: string): string {
  const lower = text.toLowerCase()
  if (lower.length === text.length) return lower
  let out = ''
  for (const c of text) {
    const l = c.toLowerCase()
    out += l.length === c.length ? l : c
  }
  return out
}

/** The bytes as a binary string (a character per byte), for `btoa`; in chunks, so as not to make a string per byte. */
function binary(bytes: Uint8Array): string {
  let out = ''
  for (let at = 0; at < bytes.length; at += 4096) out += String.fromCharCode.apply(null, bytes.subarray(at, at + 4096) as unknown as number[])
  return out
}

/** `text` without the `=` padding at its end. */
function unpadded(text: string): string {
  let end = text.length
  while (end > 0 && text.charCodeAt(end - 1) === 61) end--
  return end === text.length ? text : text.slice(0, end)
}

/** The base64url twin of a base64 text (the same string when it has no `+` or `/`). */
function base64url(text: string): string {
  return text.includes('+') || text.includes('/') ? text.replace(/\+/g, '-').replace(/\//g, '_') : text
}

/**
 * The base64 texts of `value` at each byte alignment: as it is encoded alone, and as it appears
 * inside a longer base64 text (after one or two other bytes), trimmed of the characters that
 * also hold bits of its neighbours. Each also in base64url.
 */
function base64Forms(bytes: Uint8Array): string[] {
  return base64Texts(bytes).flatMap(({ std, url }) => (url === undefined ? [std] : [std, url]))
}

/**
 * `base64Forms` in pairs: each base64 text with its base64url twin (none for the padded whole,
 * which is written in base64 only).
 */
function base64Texts(bytes: Uint8Array): { std: string; url?: string }[] {
  const raw = binary(bytes)
  const whole = btoa(raw)
  const out: { std: string; url?: string }[] = [{ std: whole }]
  for (let shift = 0; shift < 3; shift++) {
    // After `shift` other bytes (zeros: the characters they touch are cut off below).
    let text = unpadded(shift === 0 ? whole : btoa((shift === 1 ? '\0' : '\0\0') + raw))
    // Characters holding bits of the bytes before, and the last one (bits of the bytes after).
    text = text.slice(shift === 0 ? 0 : shift + 1, ((shift + bytes.length) * 4) % 3 === 0 ? undefined : -1)
    out.push({ std: text, url: base64url(text) })
  }
  return out
}

/**
 * The forms of `secret` the run index holds, each with the runs of it to index. The same runs
 * as every form of `secretForms` gives, without the runs another form already gives at the
 * same place: a base64url text's runs without `-` or `_` are its base64 twin's, and the
 * unpadded whole is a prefix of the padded one. The index holds the same entries as before;
 * each is counted fewer times (about 14 % fewer count changes per short token).
 */
function indexForms(secret: string): { form: string; runs: 'all' | 'url' }[] {
  if (secret.length > MAX_REENCODED_LENGTH) return secretForms(secret).map((form) => ({ form, runs: 'all' }))
  // Forms that are not base64: their runs are all needed, whatever else they equal.
  const others = new Set<string>([secret])
  if (!/^[A-Za-z0-9._-]*$/.test(secret)) textForms(secret, others)
  const bytes = encoder.encode(secret)
  others.add(percentEveryByte(bytes))
  const base64 = base64Texts(bytes)
  const stds = new Set(base64.map(({ std }) => std))
  const whole = base64[0]?.std ?? ''
  const out = new Map<string, 'all' | 'url' | 'skip'>()
  for (const form of others) out.set(form, 'all')
  for (const [k, { std, url }] of base64.entries()) {
    // The unpadded whole (k = 1) is a prefix of the padded one: its runs are all the padded one's.
    if (!out.has(std)) out.set(std, k === 1 && std !== whole && std.length >= SECRET_HEAD_LENGTH && whole.startsWith(std) ? 'skip' : 'all')
    if (url !== undefined && !out.has(url)) out.set(url, url.length >= SECRET_HEAD_LENGTH && !stds.has(url) ? 'url' : 'all')
  }
  const result: { form: string; runs: 'all' | 'url' }[] = []
  for (const [form, runs] of out) if (runs !== 'skip' && form.length >= MIN_SECRET_LENGTH) result.push({ form, runs })
  return result
}

/** Every form in which `secret` may be written back by a server. */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret])
  // Device codes and opaque tokens are mostly such characters, which every text encoding below
  // (percent, form, JSON, HTML) leaves as they are: only the byte escapes and base64 differ.
  const plain = /^[A-Za-z0-9._-]*$/.test(secret)
  if (!plain) textForms(secret, forms)
  // Re-encodings a server might apply to a credential it echoes (every byte escaped, base64 at
  // each alignment). Not for long values (ID tokens, JWT access tokens: up to several KB each),
  // whose every run of these forms would cost tens of thousands of index entries per token.
  if (secret.length <= MAX_REENCODED_LENGTH) {
    const bytes = encoder.encode(secret)
    forms.add(percentEveryByte(bytes))
    for (const form of base64Forms(bytes)) forms.add(form)
  }
  return [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH)
}

/** A secret's UTF-8 `bytes`, every one percent-escaped. */
function percentEveryByte(bytes: Uint8Array): string {
  const parts = new Array<string>(bytes.length)
  for (let i = 0; i < bytes.length; i++) parts[i] = PERCENT[bytes[i] as number] as string
  return parts.join('')
}

const encoder = new TextEncoder()
/** `%00` … `%ff`. */
const PERCENT = Array.from({ length: 256 }, (_, byte) => `%${byte.toString(16).padStart(2, '0')}`)

/** The forms of `secret` in percent-encoding (URL and form), JSON and HTML, added to `forms`. */
function textForms(secret: string, forms: Set<string>): void {
  try {
    forms.add(encodeURIComponent(secret))
    // As the URL parser writes it in a query (it also encodes ' there).
    forms.add(new URL(`https://x/?${encodeURIComponent(secret)}`).search.slice(1))
  } catch {
    // a lone surrogate: the value cannot be percent-encoded, so it appears in no URL that way
  }
  forms.add(new URLSearchParams({ v: secret }).toString().slice(2))
  const json = JSON.stringify(secret).slice(1, -1)
  forms.add(json)
  forms.add(json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))
  const html = secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
  forms.add(html.replace(/'/g, '&#39;'))
  forms.add(html.replace(/'/g, '&#x27;'))
}

/** The credentials in an `Authorization` header: the token of any scheme, and Basic's decoded parts. */
export function credentialsOf(value: string): string[] {
  const match = /^\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s+(.+?)\s*$/.exec(value)
  if (!match) return [value]
  const [, scheme = '', credentials = ''] = match
  const out = [credentials]
  if (scheme.toLowerCase() === 'basic') {
    try {
      const decoded = atob(credentials)
      const colon = decoded.indexOf(':')
      if (colon >= 0) {
        out.push(decoded.slice(0, colon), decoded.slice(colon + 1))
        // RFC 6749 §2.3.1: client credentials are form-encoded before Basic.
        for (const part of [decoded.slice(0, colon), decoded.slice(colon + 1)]) {
          try {
            out.push(decodeURIComponent(part.replace(/\+/g, ' ')))
          } catch {
            // not form-encoded
          }
        }
      } else out.push(decoded)
    } catch {
      // not base64
    }
  }
  return out
}

/** The string values of secret-named members of a JSON value, a few levels deep. */
export function collectSecrets(value: unknown, out: string[], skip: ReadonlySet<string>, depth = 0): void {
  if (depth > 4 || value === null || typeof value !== 'object') return
  const entries = Array.isArray(value) ? value.slice(0, 50).map((v) => ['', v] as const) : Object.entries(value).slice(0, 200)
  for (const [key, member] of entries) {
    if (typeof member === 'string') {
      if (key !== '' && isSecretKey(key) && !skip.has(normal(key))) out.push(member)
    } else collectSecrets(member, out, skip, depth + 1)
  }
}

/** The top-level field names and the secret values of a request body (JSON, form, multipart), never keeping the body. */
export function readRequestBody(body: unknown, skip: ReadonlySet<string> = new Set()): { fields?: string[]; secrets: string[] } {
  const secrets: string[] = []
  const fromPairs = (pairs: Iterable<[string, unknown]>): string[] => {
    const fields: string[] = []
    for (const [key, value] of pairs) {
      if (!fields.includes(key)) fields.push(key)
      if (isSecretKey(key) && !skip.has(normal(key)) && typeof value === 'string') secrets.push(value)
    }
    return fields
  }
  /** multipart/form-data (RFC 7578), as `postFields` writes it for api-v1: the first line is the delimiter. */
  const fromMultipart = (text: string): string[] | undefined => {
    const first = /^(--[^\r\n]{1,200})\r?\n/.exec(text)
    if (!first) return undefined
    const pairs: [string, string][] = []
    for (const part of text.split(first[1] as string).slice(1)) {
      if (part.startsWith('--')) break // the closing delimiter
      const head = /^\r?\n([\s\S]*?)\r?\n\r?\n/.exec(part)
      const name = head && /(?:^|;)\s*name="([^"]*)"/im.exec(head[1] as string)?.[1]
      if (!head || name === undefined || name === null) continue
      // Names are quoted as browsers (and `multipart` in dialects/wire.ts) quote them: ", CR, LF and \ percent-encoded.
      const unquoted = name.replace(/%(?:22|0D|0A|5C)/gi, (escape) => decodeURIComponent(escape))
      pairs.push([unquoted, part.slice(head[0].length).replace(/\r?\n$/, '')])
    }
    return pairs.length === 0 ? undefined : fromPairs(pairs)
  }
  const fromText = (text: string): string[] | undefined => {
    const trimmed = text.trim()
    if (trimmed.startsWith('{')) {
      try {
        const json = JSON.parse(trimmed) as unknown
        if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
          collectSecrets(json, secrets, skip)
          return Object.keys(json)
        }
      } catch {
        return undefined
      }
      return undefined
    }
    if (trimmed.startsWith('--')) return fromMultipart(trimmed)
    if (trimmed === '' || !/^[^\s&=]+=/.test(trimmed)) return undefined
    return fromPairs(new URLSearchParams(trimmed).entries())
  }
  if (body === undefined || body === null) return { secrets }
  if (typeof body === 'string') {
    const fields = fromText(body)
    return fields === undefined ? { secrets } : { fields, secrets }
  }
  if (body instanceof URLSearchParams) return { fields: fromPairs(body.entries()), secrets }
  if (typeof FormData !== 'undefined' && body instanceof FormData) {
    const pairs: [string, unknown][] = []
    body.forEach((value, key) => pairs.push([key, value]))
    return { fields: fromPairs(pairs), secrets }
  }
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) {
    const bytes = body instanceof ArrayBuffer ? new Uint8Array(body) : body
    if (bytes.byteLength > MAX_INSPECT_CHARS) return { secrets }
    const fields = fromText(new TextDecoder('utf-8', { fatal: false }).decode(bytes))
    return fields === undefined ? { secrets } : { fields, secrets }
  }
  return { secrets }
}

/** The name/value pairs of request headers in any of fetch's shapes. */
export function headerEntries(headers: HeadersInit | undefined): [string, string][] {
  if (headers === undefined) return []
  if (headers instanceof Headers) {
    const out: [string, string][] = []
    headers.forEach((value, key) => out.push([key, value]))
    return out
  }
  if (Array.isArray(headers)) return headers.filter((pair) => pair.length === 2).map(([k, v]) => [String(k), String(v)])
  return Object.entries(headers as Record<string, string>).map(([k, v]) => [k, String(v)])
}

/** Error members that are stable codes, never server text. */
const CODE_MEMBERS = new Set(['name', 'code', 'reason', 'network'])

/**
 * A multiset of {@link SECRET_HEAD_LENGTH}-character runs, each kept as two 32-bit polynomial
 * hashes in one flat `Int32Array` (open addressing, linear probing; slots of `[a, b, count]`,
 * count 0 for an empty slot). A string-keyed `Map` cost a string and a map entry per run; a busy
 * shared scrubber learns and forgets a device code and three tokens per sign-in (a few thousand
 * runs each), and that was most of the engine bench's CPU and much of its memory.
 *
 * Two different runs can share both hashes: rarely by chance, and on purpose for someone who
 * knows the multipliers (they are linear; that is why they are drawn afresh in each process).
 * Either way the only effect is eight more characters redacted: adding and removing a secret
 * touch the same hash pairs, so no count is ever left wrong. The hashes can be solved back to
 * their runs, so the table is kept in private fields that no serializer or inspector reads.
 */
class RunTable {
  static readonly #MIN_CAPACITY = 1024
  #slots = new Int32Array(3 * RunTable.#MIN_CAPACITY)
  #capacity = RunTable.#MIN_CAPACITY
  #live = 0

  get size(): number {
    return this.#live
  }

  static #home(a: number, b: number, mask: number): number {
    let h = Math.imul(a ^ (b >>> 7), 0x85ebca6b)
    h ^= h >>> 13
    return h & mask
  }

  /** Adds `change` (±1) to the count of the run hashed `a`, `b`. */
  change(a: number, b: number, change: 1 | -1): void {
    const slots = this.#slots
    const mask = this.#capacity - 1
    let slot = RunTable.#home(a, b, mask)
    for (;;) {
      const at = slot * 3
      const count = slots[at + 2] as number
      if (count === 0) break
      if (slots[at] === a && slots[at + 1] === b) {
        if (count + change > 0) slots[at + 2] = count + change
        else this.#remove(slot)
        return
      }
      slot = (slot + 1) & mask
    }
    if (change < 0) return
    const at = slot * 3
    slots[at] = a
    slots[at + 1] = b
    slots[at + 2] = 1
    this.#live += 1
    if (this.#live * 10 > this.#capacity * 7) this.#resize(this.#capacity * 2)
  }

  has(a: number, b: number): boolean {
    const slots = this.#slots
    const mask = this.#capacity - 1
    for (let slot = RunTable.#home(a, b, mask); ; slot = (slot + 1) & mask) {
      const at = slot * 3
      if (slots[at + 2] === 0) return false
      if (slots[at] === a && slots[at + 1] === b) return true
    }
  }

  /** The runs and their counts, in a canonical order (for tests). */
  entries(): [number, number, number][] {
    const out: [number, number, number][] = []
    for (let at = 0; at < this.#slots.length; at += 3) {
      if ((this.#slots[at + 2] as number) > 0) out.push([this.#slots[at] as number, this.#slots[at + 1] as number, this.#slots[at + 2] as number])
    }
    return out.sort((x, y) => x[0] - y[0] || x[1] - y[1])
  }

  /**
   * Empties `slot` by shifting back the entries after it that probed past it (linear probing's
   * deletion without markers), so churn never leaves the table to be rebuilt.
   */
  #remove(slot: number): void {
    const slots = this.#slots
    const mask = this.#capacity - 1
    let hole = slot
    for (let next = (hole + 1) & mask; slots[next * 3 + 2] !== 0; next = (next + 1) & mask) {
      const home = RunTable.#home(slots[next * 3] as number, slots[next * 3 + 1] as number, mask)
      // The entry at `next` may move into the hole unless its home lies after the hole (cyclically).
      const stays = hole <= next ? hole < home && home <= next : hole < home || home <= next
      if (stays) continue
      slots.copyWithin(hole * 3, next * 3, next * 3 + 3)
      hole = next
    }
    slots[hole * 3 + 2] = 0
    this.#live -= 1
    if (this.#capacity > RunTable.#MIN_CAPACITY && this.#live * 8 < this.#capacity) this.#resize(this.#capacity / 2)
  }

  #resize(capacity: number): void {
    const old = this.#slots
    const slots = new Int32Array(3 * capacity)
    const mask = capacity - 1
    for (let from = 0; from < old.length; from += 3) {
      if (old[from + 2] === 0) continue
      let slot = RunTable.#home(old[from] as number, old[from + 1] as number, mask)
      while (slots[slot * 3 + 2] !== 0) slot = (slot + 1) & mask
      slots[slot * 3] = old[from] as number
      slots[slot * 3 + 1] = old[from + 1] as number
      slots[slot * 3 + 2] = old[from + 2] as number
    }
    this.#slots = slots
    this.#capacity = capacity
  }
}

/** 1 at each run start of `text` whose run holds `-` or `_`. */
function urlRunStarts(text: string): Uint8Array {
  const out = new Uint8Array(Math.max(0, text.length - SECRET_HEAD_LENGTH + 1))
  for (let at = 0; at < text.length; at++) {
    const c = text.charCodeAt(at)
    if (c !== 45 && c !== 95) continue // - _
    out.fill(1, Math.max(0, at - SECRET_HEAD_LENGTH + 1), Math.min(out.length, at + 1))
  }
  return out
}

/** Odd multipliers, drawn afresh in each process (see `RunTable`). */
const [RUN_MUL_A, RUN_MUL_B] = Array.from(crypto.getRandomValues(new Uint32Array(2)), (m) => (m | 1) | 0) as [number, number]
/** RUN_MUL^(SECRET_HEAD_LENGTH-1) mod 2^32: the weight of the character leaving a rolling run. */
const runTop = (mul: number): number => {
  let top = 1
  for (let i = 1; i < SECRET_HEAD_LENGTH; i++) top = Math.imul(top, mul)
  return top
}
const RUN_TOP_A = runTop(RUN_MUL_A)
const RUN_TOP_B = runTop(RUN_MUL_B)

/**
 * The two hashes of every {@link SECRET_HEAD_LENGTH}-character run of `text`, run `i` at
 * `[2i, 2i + 1]`: polynomial hashes modulo 2^32 with two multipliers, rolled along the text.
 */
function runHashes(text: string): Int32Array {
  const runs = text.length - SECRET_HEAD_LENGTH + 1
  if (runs <= 0) return new Int32Array(0)
  const out = new Int32Array(2 * runs)
  let a = 0
  let b = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (i >= SECRET_HEAD_LENGTH) {
      const gone = text.charCodeAt(i - SECRET_HEAD_LENGTH)
      a = (a - Math.imul(gone, RUN_TOP_A)) | 0
      b = (b - Math.imul(gone, RUN_TOP_B)) | 0
    }
    a = (Math.imul(a, RUN_MUL_A) + c) | 0
    b = (Math.imul(b, RUN_MUL_B) + c) | 0
    if (i >= SECRET_HEAD_LENGTH - 1) {
      const run = i - SECRET_HEAD_LENGTH + 1
      out[2 * run] = a
      out[2 * run + 1] = b
    }
  }
  return out
}

export class Scrubber {
  private readonly fixed = new Set<string>()
  private readonly learned = new Set<string>()
  private readonly maxLearned: number
  private readonly maxLearnedChars: number
  private learnedChars = 0
  private readonly skip: ReadonlySet<string>
  /**
   * Every {@link SECRET_HEAD_LENGTH}-character run of every form of every secret, folded to lower
   * case, with how many secrets have it; and forms shorter than a run, matched whole. Kept up to
   * date secret by secret (a long-running service learns one at every request: rebuilding it
   * all each time cost most of the engine bench's CPU).
   */
  private readonly windows = new RunTable()
  private readonly short = new Map<string, number>()
  /**
   * Secrets known but not yet in the index: indexing waits for the next text to scrub, so a
   * secret forgotten before any text needed it (a busy shared scrubber learns one at every
   * request) never costs an index entry.
   */
  private readonly unindexed = new Set<string>()
  /**
   * Secrets in use (a device code while its flow polls), with how many holders: never forgotten
   * while held, and not counted against the learned caps. With many flows at once (a shared
   * provider scrubber, 1,000 in the engine bench) the codes being polled would otherwise push
   * each other out and be learned and indexed again at every poll.
   */
  private readonly held = new Map<string, number>()

  constructor(options: ScrubberOptions = {}) {
    this.maxLearned = options.maxLearned ?? DEFAULT_MAX_LEARNED
    this.maxLearnedChars = options.maxLearnedChars ?? DEFAULT_MAX_LEARNED_CHARS
    this.skip = options.learnUserCodes ? new Set() : USER_CODE_KEYS
    for (const secret of options.secrets ?? []) this.keep(secret)
  }

  /** Adds a secret that is never forgotten (configured values). */
  keep(value: string | undefined): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || this.fixed.has(value)) return
    this.fixed.add(value)
    if (this.learned.delete(value)) this.learnedChars -= value.length
    else if (!this.held.delete(value)) this.unindexed.add(value)
  }

  /** Marks a secret in use until as many `release` calls: it is known, and never forgotten meanwhile. */
  hold(value: string | undefined): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || this.fixed.has(value)) return
    const holders = this.held.get(value)
    if (holders !== undefined) {
      this.held.set(value, holders + 1)
      return
    }
    if (this.learned.delete(value)) this.learnedChars -= value.length
    else this.unindexed.add(value)
    this.held.set(value, 1)
  }

  /** Ends one `hold`: the last one makes the secret an ordinary learned one (the newest), forgotten in turn. */
  release(value: string | undefined): void {
    if (typeof value !== 'string') return
    const holders = this.held.get(value)
    if (holders === undefined) return
    if (holders > 1) {
      this.held.set(value, holders - 1)
      return
    }
    this.held.delete(value)
    this.learned.add(value)
    this.learnedChars += value.length
    this.forgetOldest()
  }

  /** Adds a secret met on the way (a device code, a token); the oldest of many are forgotten. */
  add(value: string | undefined): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || this.fixed.has(value) || this.learned.has(value) || this.held.has(value)) return
    this.learned.add(value)
    this.learnedChars += value.length
    this.unindexed.add(value)
    this.forgetOldest()
  }

  /** Forgets the oldest learned secrets past the caps. */
  private forgetOldest(): void {
    while (this.learned.size > 1 && (this.learned.size > this.maxLearned || this.learnedChars > this.maxLearnedChars)) {
      const oldest = this.learned.values().next().value as string
      this.learned.delete(oldest)
      this.learnedChars -= oldest.length
      if (!this.unindexed.delete(oldest)) this.index(oldest, -1)
    }
  }

  /** Puts the secrets learned since the last text into the index. */
  private flush(): void {
    if (this.unindexed.size === 0) return
    for (const secret of this.unindexed) this.index(secret, 1)
    this.unindexed.clear()
  }

  /** Adds (`+1`) or removes (`-1`) one secret's forms from the match index. */
  private index(secret: string, change: 1 | -1): void {
    const count = (map: Map<string, number>, key: string): void => {
      const next = (map.get(key) ?? 0) + change
      if (next > 0) map.set(key, next)
      else map.delete(key)
    }
    for (const { form, runs: which } of indexForms(secret)) {
      // Every occurrence of a run counts (adding and removing visit the same runs, so they balance).
      if (form.length < SECRET_HEAD_LENGTH) count(this.short, fold(form))
      else this.changeRuns(form, which, change)
    }
  }

  /**
   * Adds `change` to the count of every run of `form` folded to lower case (of a base64url
   * twin, only its runs holding `-` or `_`: the others are its base64 twin's). The hashes are
   * `runHashes(fold(form))`'s, rolled here without making either: ASCII forms (every encoded
   * one) are folded character by character as they are read.
   */
  private changeRuns(form: string, which: 'all' | 'url', change: 1 | -1): void {
    const text = /^[\x00-\x7f]*$/.test(form) ? form : fold(form)
    const url = which === 'url' ? urlRunStarts(text) : undefined
    let a = 0
    let b = 0
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i)
      if (c >= 65 && c <= 90) c += 32 // A-Z (an ASCII form is not folded beforehand)
      if (i >= SECRET_HEAD_LENGTH) {
        let gone = text.charCodeAt(i - SECRET_HEAD_LENGTH)
        if (gone >= 65 && gone <= 90) gone += 32
        a = (a - Math.imul(gone, RUN_TOP_A)) | 0
        b = (b - Math.imul(gone, RUN_TOP_B)) | 0
      }
      a = (Math.imul(a, RUN_MUL_A) + c) | 0
      b = (Math.imul(b, RUN_MUL_B) + c) | 0
      if (i >= SECRET_HEAD_LENGTH - 1 && (url === undefined || url[i - SECRET_HEAD_LENGTH + 1] === 1)) this.windows.change(a, b, change)
    }
  }

  /** The secrets a request carries: `Authorization` credentials, secret-named headers and body fields. */
  learnRequest(init: RequestInit): { fields?: string[] } {
    for (const [name, value] of headerEntries(init.headers)) {
      const lower = name.toLowerCase()
      if (lower === 'authorization' || lower === 'proxy-authorization') for (const credential of credentialsOf(value)) this.add(credential)
      else if (isSecretKey(name)) this.add(value)
    }
    const body = readRequestBody(init.body, this.skip)
    for (const secret of body.secrets) this.add(secret)
    return body.fields === undefined ? {} : { fields: body.fields }
  }

  /** The secrets an answer delivers: secret-named members of a JSON object (not `code`), or of a form-encoded body. */
  learnJson(json: unknown): void {
    const found: string[] = []
    collectSecrets(json, found, new Set([...this.skip, ...NOT_SECRET_IN_RESPONSES]))
    for (const secret of found) this.add(secret)
  }

  /** Learns from an answer's text (JSON, or form-encoded as GitHub may answer). */
  learnResponseText(text: string): void {
    if (text.length > MAX_INSPECT_CHARS) return
    const trimmed = text.trim()
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      try {
        this.learnJson(JSON.parse(trimmed))
      } catch {
        // not JSON
      }
    } else if (/^[^\s&=<]+=[^\s]*$/.test(trimmed)) {
      this.learnJson(Object.fromEntries(new URLSearchParams(trimmed)))
    }
  }

  /**
   * A `FetchLike` that behaves as `fetch` does and teaches this scrubber what each request
   * carries and each answer delivers, before the caller sees the answer.
   */
  wrap(fetch: FetchLike): FetchLike {
    return async (input, init) => {
      this.learnRequest(init)
      const response = await fetch(input, init)
      const declared = Number(response.headers.get('content-length'))
      if (!(Number.isFinite(declared) && declared > MAX_INSPECT_CHARS) && response.body !== null) {
        try {
          this.learnResponseText(await bodyText(response))
        } catch {
          // an unreadable body teaches nothing; the caller meets the failure itself
        }
      }
      return response
    }
  }

  /** Nothing of what a scrubber knows is serialized (a dialect or flow options holding one may be). */
  toJSON(): Record<string, never> {
    return {}
  }

  /** Nor shown by Node's inspector (what a console prints for an object). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'Scrubber [secrets withheld]'
  }

  /**
   * The match index, in a canonical form: for tests only (two scrubbers that know the same
   * secrets have the same index). The hashes can be solved back to the runs: never log this.
   */
  indexSnapshot(): { readonly runs: [number, number, number][]; readonly short: [string, number][] } {
    this.flush()
    return { runs: this.windows.entries(), short: [...this.short].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)) }
  }

  /** True when `text` holds any known secret in any form. */
  contains(text: string): boolean {
    return this.text(text) !== text
  }

  /** `text` with every known secret, in every form, and every long enough run of one, replaced by `[redacted]`. */
  text(text: string): string {
    this.flush()
    if (text.length < MIN_SECRET_LENGTH || (this.windows.size === 0 && this.short.size === 0)) return text
    const hay = fold(text)
    const covered = new Uint8Array(text.length)
    let any = false
    if (this.windows.size > 0) {
      const runs = runHashes(hay)
      for (let i = 0; i < runs.length; i += 2) {
        if (this.windows.has(runs[i] as number, runs[i + 1] as number)) {
          covered.fill(1, i / 2, i / 2 + SECRET_HEAD_LENGTH)
          any = true
        }
      }
    }
    for (const form of this.short.keys()) {
      for (let at = hay.indexOf(form); at >= 0; at = hay.indexOf(form, at + 1)) {
        covered.fill(1, at, at + form.length)
        any = true
      }
    }
    if (!any) return text
    let out = ''
    for (let at = 0; at < text.length; ) {
      if (covered[at] === 1) {
        while (at < text.length && covered[at] === 1) at++
        out += REDACTED
      } else out += text[at++]
    }
    return out
  }

  /**
   * The error with every text in it scrubbed (message, description, `oauthError`, `host`, its
   * stack and the causes that are errors), same class and codes. An abort is passed on as is.
   */
  error<E>(error: E): E {
    return this.rewrite(error, 0)
  }

  /** A copy of plain data (objects, arrays) with every string scrubbed. */
  deep<T>(value: T, depth = 0): T {
    if (typeof value === 'string') return this.text(value) as T
    if (depth > 12 || value === null || typeof value !== 'object') return value
    if (Array.isArray(value)) return value.map((item: unknown) => this.deep(item, depth + 1)) as T
    if (value instanceof Error) return this.error(value)
    if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value
    return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, this.deep(member, depth + 1)])) as T
  }

  /** Runs `operation` and re-throws what it throws scrubbed: the boundary of a layer that talks to a provider. */
  async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation()
    } catch (error) {
      throw this.error(error)
    }
  }

  private rewrite<E>(error: E, depth: number): E {
    if (!(error instanceof Error)) return error
    if (isAbortError(error) && !(error instanceof LinkscreenError)) return error
    const members = Object.entries(error).map(([key, value]) => [key, typeof value === 'string' && !CODE_MEMBERS.has(key) ? this.text(value) : value] as const)
    const message = this.text(error.message)
    const stack = typeof error.stack === 'string' ? this.text(error.stack) : undefined
    // A cause that is not an error (a response body, say) could hold anything: it is dropped.
    const cause = error.cause instanceof Error && depth < 4 ? this.rewrite(error.cause, depth + 1) : undefined
    const same =
      message === error.message &&
      stack === error.stack &&
      cause === error.cause &&
      members.every(([key, value]) => value === (error as unknown as Record<string, unknown>)[key])
    if (same) return error
    const copy = Object.create(Object.getPrototypeOf(error) as object) as Record<string, unknown>
    for (const [key, value] of members) copy[key] = value
    const hidden = (key: string, value: unknown): void => {
      Object.defineProperty(copy, key, { value, writable: true, configurable: true, enumerable: false })
    }
    hidden('message', message)
    if (stack !== undefined) hidden('stack', stack)
    if (cause !== undefined) hidden('cause', cause)
    return copy as E
  }
}
