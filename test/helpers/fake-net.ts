/**
 * The stand-in's network: Electron's `net.request` (`ClientRequest`), `net.fetch`,
 * `ses.fetch`, `session.fromPartition`, a cookie jar per session and `net.isOnline`, modelled
 * on Electron's source so that code written for Node's fetch fails here as it would in the app.
 * Requests really go out, through Node's http/https, to the test's local servers; what Chromium
 * would report is then derived from what happened on the wire (see `chromiumError`).
 *
 * Used by `test/helpers/fake-electron.ts`; sessions there extend {@link FakeNetSession}.
 */
import { EventEmitter } from 'node:events'
import { request as httpRequest, type IncomingMessage as NodeIncomingMessage, type ClientRequest as NodeClientRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { Readable, Writable } from 'node:stream'

type RedirectPolicy = 'follow' | 'error' | 'manual'
type Credentials = 'include' | 'omit' | 'same-origin'

export interface FakeRequestOptions {
  readonly url: string
  readonly method?: string
  readonly headers?: Record<string, string | string[]>
  readonly session?: FakeNetSession
  readonly partition?: string
  readonly redirect?: RedirectPolicy
  readonly credentials?: Credentials
  readonly useSessionCookies?: boolean
  readonly origin?: string
  readonly cache?: string
}

interface StoredCookie {
  readonly name: string
  readonly value: string
  /** Host-only cookies: the host that set them. */
  readonly domain: string
  readonly path: string
}

/** `ses.cookies` (docs/api/cookies.md), reduced to a host-only jar: enough to see who keeps what. */
export class FakeCookies {
  readonly jar: StoredCookie[] = []
  /** `cookies.get(filter)`: the cookies matching `url` (host and path) and `name`, when given. */
  async get(filter: { url?: string; name?: string } = {}): Promise<StoredCookie[]> {
    const url = filter.url === undefined ? undefined : new URL(filter.url)
    return this.jar.filter(
      (c) => (url === undefined || (c.domain === url.hostname && url.pathname.startsWith(c.path))) && (filter.name === undefined || c.name === filter.name),
    )
  }
  /** Keeps the cookies of a `Set-Cookie` answer (name=value; Path only). */
  store(url: URL, setCookie: readonly string[]): void {
    for (const line of setCookie) {
      const [pair = '', ...attributes] = line.split(';')
      const eq = pair.indexOf('=')
      if (eq <= 0) continue
      const path = attributes.map((a) => a.trim()).find((a) => /^path=/i.test(a))?.slice(5) || '/'
      const cookie = { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), domain: url.hostname, path }
      const at = this.jar.findIndex((c) => c.name === cookie.name && c.domain === cookie.domain && c.path === cookie.path)
      if (at >= 0) this.jar.splice(at, 1, cookie)
      else this.jar.push(cookie)
    }
  }
  /** The `Cookie` header for `url`, or undefined when no cookie applies. */
  header(url: URL): string | undefined {
    const matching = this.jar.filter((c) => c.domain === url.hostname && url.pathname.startsWith(c.path))
    return matching.length === 0 ? undefined : matching.map((c) => `${c.name}=${c.value}`).join('; ')
  }
}

/** The network side of a `Session`: its cookie jar, `isPersistent()` and `fetch()`. */
export class FakeNetSession extends EventEmitter {
  readonly cookies = new FakeCookies()
  /** Set by `createFakeNet` for each session it hands out. */
  network: FakeNet | undefined
  persistent = false
  /** docs/api/session.md `ses.isPersistent()`: false for an in-memory partition. */
  isPersistent(): boolean {
    return this.persistent
  }
  /** lib/browser/api/session.ts: `Session.prototype.fetch = fetchWithSession(input, init, this, net.request)`. */
  fetch(input: string | Request, init?: RequestInit): Promise<Response> {
    const network = this.network
    if (!network) throw new Error('stand-in: this session has no network')
    return fetchWithSession(input, init, this, (options) => network.request(options))
  }
}

/**
 * The net error Chromium reports for what Node saw on the socket. Electron passes only the
 * name on, as `Error('net::ERR_…')` with no `code` (shell/common/api/electron_api_url_loader.cc
 * `OnComplete` emits `net::ErrorToString(NetError())`; lib/common/api/net-client-request.ts
 * does `new Error(netErrorString)`). Names: Chromium's net/base/net_error_list.h.
 */
export function chromiumError(error: NodeJS.ErrnoException, offline: boolean): string {
  const code = error.code ?? ''
  // Chromium reports a connection that fails while the system is offline as disconnected.
  if (offline) return 'ERR_INTERNET_DISCONNECTED'
  // The host resolver answers ERR_NAME_NOT_RESOLVED for NXDOMAIN and for a failed lookup alike.
  if (['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME'].includes(code)) return 'ERR_NAME_NOT_RESOLVED'
  if (code === 'ECONNREFUSED') return 'ERR_CONNECTION_REFUSED'
  // Node's "socket hang up": the server closed the connection before any answer.
  if (code === 'ECONNRESET') return error.message === 'socket hang up' ? 'ERR_EMPTY_RESPONSE' : 'ERR_CONNECTION_RESET'
  if (code === 'ETIMEDOUT') return 'ERR_CONNECTION_TIMED_OUT'
  if (code === 'EHOSTUNREACH') return 'ERR_ADDRESS_UNREACHABLE'
  if (['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'].includes(code)) {
    return 'ERR_CERT_AUTHORITY_INVALID'
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return 'ERR_CERT_DATE_INVALID'
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'ERR_CERT_COMMON_NAME_INVALID'
  if (code === 'EPROTO' || code.startsWith('ERR_SSL_')) return 'ERR_SSL_PROTOCOL_ERROR'
  return 'ERR_FAILED'
}

const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308])

/** Chromium's redirect method rules (net/url_request/redirect_info.cc): 303 → GET; 301/302 turn POST into GET. */
function redirectMethod(status: number, method: string): string {
  if (status === 303 && method !== 'HEAD') return 'GET'
  if ((status === 301 || status === 302) && method === 'POST') return 'GET'
  return method
}

/** `IncomingMessage` (lib/browser/api/net-client-request.ts): a Readable with status and headers. */
export class FakeIncomingMessage extends Readable {
  constructor(
    readonly statusCode: number,
    readonly statusMessage: string,
    readonly headers: Record<string, string | string[]>,
  ) {
    super({ read: () => undefined })
  }
}

/**
 * `ClientRequest` (lib/common/api/net-client-request.ts): a Writable whose body is sent at
 * `end()`, with the 'response', 'redirect', 'error' and 'abort' events and `followRedirect()`.
 */
export class FakeClientRequest extends Writable {
  private readonly extraHeaders = new Map<string, { name: string; value: string | string[] }>()
  private readonly chunks: Buffer[] = []
  private readonly policy: RedirectPolicy
  private readonly useCookies: (url: URL) => boolean
  private followRedirectCb: (() => void) | undefined
  private current: NodeClientRequest | undefined
  private aborted = false
  private url: URL
  private method: string

  constructor(
    options: FakeRequestOptions,
    private readonly session: FakeNetSession,
    private readonly isOffline: () => boolean,
  ) {
    super({
      write: (chunk: Buffer, _encoding, callback) => {
        this.chunks.push(Buffer.from(chunk))
        callback()
      },
      final: (callback) => {
        callback()
        this.start()
      },
    })
    // net-client-request.ts parseOptions: the three policies only, 'follow' by default.
    const policy = options.redirect ?? 'follow'
    if (!['follow', 'error', 'manual'].includes(policy)) throw new Error('redirect mode should be one of follow, error or manual')
    this.policy = policy
    // net-client-request.ts: "credentials: same-origin requires origin to be set".
    if (options.credentials === 'same-origin' && !options.origin) throw new Error('credentials: same-origin requires origin to be set')
    // shell/common/api/electron_api_url_loader.cc: `credentials` decides when given; when not,
    // cookies are blocked (kURLLoadOptionBlockAllCookies) unless `useSessionCookies` is true.
    const credentials = options.credentials
    const origin = options.origin
    this.useCookies = (url) =>
      credentials === undefined ? options.useSessionCookies === true : credentials === 'include' || (credentials === 'same-origin' && url.origin === origin)
    this.url = new URL(options.url)
    this.method = (options.method ?? 'GET').toUpperCase()
    for (const [name, value] of Object.entries(options.headers ?? {})) this.setHeader(name, value)
  }

  setHeader(name: string, value: string | string[]): void {
    this.extraHeaders.set(name.toLowerCase(), { name, value })
  }
  getHeader(name: string): string | string[] | undefined {
    return this.extraHeaders.get(name.toLowerCase())?.value
  }
  removeHeader(name: string): void {
    this.extraHeaders.delete(name.toLowerCase())
  }

  /** net-client-request.ts: only while a 'redirect' event is being emitted. */
  followRedirect(): void {
    if (this.followRedirectCb) this.followRedirectCb()
    else throw new Error('followRedirect() called, but was not waiting for a redirect')
  }

  abort(): void {
    if (!this.aborted) process.nextTick(() => this.emit('abort'))
    this.aborted = true
    this.current?.destroy()
    this.destroy()
  }

  /** net-client-request.ts `_die`: an error event (when given one) and the end of the request. */
  private die(error: Error): void {
    this.current?.destroy()
    this.emit('error', error)
    this.destroy()
  }

  private start(): void {
    const body = this.chunks.length === 0 ? undefined : Buffer.concat(this.chunks)
    this.send(body)
  }

  private send(body: Buffer | undefined): void {
    if (this.aborted) return
    const url = this.url
    const headers: Record<string, string | string[]> = {}
    for (const { name, value } of this.extraHeaders.values()) headers[name] = value
    const cookie = this.useCookies(url) ? this.session.cookies.header(url) : undefined
    if (cookie !== undefined) headers['cookie'] = cookie
    if (body !== undefined) headers['content-length'] = String(body.length)
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest
    const outgoing = send(url, { method: this.method, headers, agent: false })
    this.current = outgoing
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (!this.aborted) this.die(new Error(`net::${chromiumError(error, this.isOffline())}`))
    })
    outgoing.on('response', (incoming) => this.onResponse(incoming, body))
    outgoing.end(body)
  }

  private onResponse(incoming: NodeIncomingMessage, body: Buffer | undefined): void {
    if (this.aborted) return void incoming.destroy()
    const url = this.url
    const setCookie = incoming.headers['set-cookie'] ?? []
    if (this.useCookies(url)) this.session.cookies.store(url, setCookie)
    const status = incoming.statusCode ?? 0
    const location = incoming.headers['location']
    if (REDIRECT_STATUS.has(status) && location !== undefined) {
      incoming.resume()
      return this.onRedirect(status, new URL(location, url), incoming, body)
    }
    // The headers as Electron's IncomingMessage gives them (docs/api/incoming-message.md;
    // lib/common/api/net-client-request.ts `get headers`): set-cookie stays a list, the
    // `discardableDuplicateHeaders` keep their first value, others are joined with ', '. Node's
    // parser applies the same list (it is Node's), so its `headers` are taken as they come.
    const headers: Record<string, string | string[]> = {}
    for (const [name, value] of Object.entries(incoming.headers)) {
      if (value !== undefined) headers[name] = name === 'set-cookie' ? value : Array.isArray(value) ? value.join(', ') : value
    }
    const message = new FakeIncomingMessage(status, incoming.statusMessage ?? '', headers)
    const declared = incoming.headers['content-length']
    incoming.on('data', (chunk: Buffer) => message.push(chunk))
    incoming.on('end', () => message.push(null))
    // A body cut short: Chromium names the framing that broke (net_error_list.h).
    const cut = (): void => {
      if (incoming.complete || this.aborted) return
      const error = new Error(`net::${declared === undefined ? 'ERR_INCOMPLETE_CHUNKED_ENCODING' : 'ERR_CONTENT_LENGTH_MISMATCH'}`)
      message.destroy(error)
      this.die(error)
    }
    incoming.on('aborted', cut)
    incoming.on('error', cut)
    incoming.on('close', cut)
    this.emit('response', message)
  }

  /** net-client-request.ts, the urlLoader's 'redirect' handler, policy by policy. */
  private onRedirect(status: number, target: URL, incoming: NodeIncomingMessage, body: Buffer | undefined): void {
    const newMethod = redirectMethod(status, this.method)
    if (this.policy === 'error') return this.die(new Error("Attempted to redirect, but redirect policy was 'error'"))
    const headers: Record<string, string[]> = {}
    for (const [name, value] of Object.entries(incoming.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value : [value]
    }
    if (this.policy === 'follow') {
      // 'follow' emits 'redirect' too, and followRedirect() then does nothing (same handler).
      this.followRedirectCb = () => undefined
      try {
        this.emit('redirect', status, newMethod, target.href, headers)
      } finally {
        this.followRedirectCb = undefined
      }
    }
    if (this.policy === 'manual') {
      let follow = false
      this.followRedirectCb = () => void (follow = true)
      try {
        this.emit('redirect', status, newMethod, target.href, headers)
      } finally {
        // In `finally`, as Electron does: a listener that throws also cancels the request.
        this.followRedirectCb = undefined
        if (!follow && !this.aborted) this.die(new Error('Redirect was cancelled'))
      }
      if (!follow) return
    }
    const keepBody = newMethod === this.method
    this.method = newMethod
    this.url = target
    if (!keepBody) this.extraHeaders.delete('content-type')
    this.send(keepBody ? body : undefined)
  }
}

/**
 * `fetchWithSession` (lib/browser/api/net-fetch.ts), which `net.fetch` and `ses.fetch` run: a
 * Request's `credentials` default (`same-origin`) becomes `include` when no origin is set, so
 * cookies are sent and kept; the redirect mode goes to `ClientRequest` unchanged.
 */
export function fetchWithSession(
  input: string | Request,
  init: RequestInit | undefined,
  session: FakeNetSession,
  request: (options: FakeRequestOptions) => FakeClientRequest,
): Promise<Response> {
  let req: Request
  try {
    req = new Request(input, init)
  } catch (error) {
    return Promise.reject(error)
  }
  if (req.signal.aborted) return Promise.reject(req.signal.reason ?? new DOMException('The operation was aborted.', 'AbortError'))
  return new Promise<Response>((resolve, reject) => {
    const origin = req.headers.get('origin') ?? undefined
    const credentials = req.credentials === 'same-origin' && !origin ? 'include' : req.credentials
    const headers: Record<string, string> = {}
    req.headers.forEach((value, name) => void (headers[name] = value))
    const r = request({ session, method: req.method, url: req.url, credentials, redirect: req.redirect, headers, ...(origin ? { origin } : {}) })
    req.signal.addEventListener(
      'abort',
      () => {
        reject(req.signal.reason ?? new DOMException('The operation was aborted.', 'AbortError'))
        r.abort()
      },
      { once: true },
    )
    r.on('response', (resp: FakeIncomingMessage) => {
      const h = new Headers()
      // lib/browser/api/net-fetch.ts does exactly this: one `set` per name, set-cookie joined.
      for (const [k, v] of Object.entries(resp.headers)) h.set(k, Array.isArray(v) ? v.join(', ') : v)
      const nullBody = [101, 204, 205, 304].includes(resp.statusCode) || req.method === 'HEAD'
      resolve(new Response(nullBody ? null : (Readable.toWeb(resp) as ReadableStream), { headers: h, status: resp.statusCode, statusText: resp.statusMessage }))
    })
    r.on('error', reject)
    void req.arrayBuffer().then(
      (bytes) => r.end(bytes.byteLength === 0 ? undefined : Buffer.from(bytes)),
      (error: unknown) => reject(error),
    )
  })
}

export interface FakeNet {
  /** lib/browser/api/net.ts `request`: only after `ready`. */
  request(options: FakeRequestOptions | string): FakeClientRequest
  /** lib/browser/api/net.ts `fetch`: the default session's `fetch`. */
  fetch(input: string | Request, init?: RequestInit): Promise<Response>
  /** docs/api/net.md `net.isOnline()`. */
  isOnline(): boolean
  /** docs/api/net.md `net.online`. */
  readonly online: boolean
  /** Test control: the system says it is offline (or online again). */
  setOnline(online: boolean): void
}

export interface FakeNetWorld<S extends FakeNetSession> {
  readonly isReady: () => boolean
  readonly defaultSession: S
  readonly createSession: () => S
}

/** `net` and `session.fromPartition` over one set of sessions. */
export function createFakeNet<S extends FakeNetSession>(world: FakeNetWorld<S>): { net: FakeNet; fromPartition: (partition: string) => S } {
  let online = true
  const partitions = new Map<string, S>()
  /**
   * shell/browser/api/electron_api_session.cc `FromPartition`: throws before `ready`; '' is the
   * default session; one session per name; `persist:` names are kept on disk, others in memory
   * (docs/api/session.md).
   */
  const fromPartition = (partition: string): S => {
    if (!world.isReady()) throw new TypeError('Session can only be received when app is ready')
    if (partition === '') return world.defaultSession
    const existing = partitions.get(partition)
    if (existing) return existing
    const created = world.createSession()
    created.persistent = partition.startsWith('persist:')
    created.network = net
    partitions.set(partition, created)
    return created
  }
  const net: FakeNet = {
    request(options) {
      if (!world.isReady()) throw new Error('net module can only be used after app is ready')
      const parsed = typeof options === 'string' ? { url: options } : options
      const session = parsed.session ?? fromPartition(parsed.partition ?? '')
      return new FakeClientRequest(parsed, session, () => !online)
    },
    fetch: (input, init) => world.defaultSession.fetch(input, init),
    isOnline: () => online,
    get online() {
      return online
    },
    setOnline(flag) {
      online = flag
    },
  }
  world.defaultSession.network = net
  world.defaultSession.persistent = true
  return { net, fromPartition }
}
