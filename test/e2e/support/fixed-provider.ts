/**
 * A device-authorization provider for screenshot tests whose every answer is fixed: the code,
 * the verification URLs (https, on a host that is never contacted: only shown and put in the
 * QR code) and who signs in. Its mode decides what the token endpoint says.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ProviderConfig } from '../../../electron/core/config'

export interface FixedProviderOptions {
  readonly userCode?: string
  readonly verificationUri?: string
  readonly verificationUriComplete?: string | null
  readonly expiresIn?: number
}

export interface FixedProvider {
  readonly origin: string
  /** `pending` until told otherwise; then `approved`, `expired`, `denied`; `broken` refuses the client. */
  mode: 'pending' | 'approved' | 'expired' | 'denied' | 'broken'
  /** Codes handed out so far. */
  readonly issued: number
  config(id: string, name?: string, extra?: Partial<ProviderConfig>): ProviderConfig
  close(): Promise<void>
}

export const PERSON = { sub: 'ada-1', name: 'Ada Lovelace', email: 'ada@northwind.example', picture: 'https://avatars.linkscreen.test/ada.png' }

export async function startFixedProvider(options: FixedProviderOptions = {}): Promise<FixedProvider> {
  const userCode = options.userCode ?? 'WDJB-MJHT'
  const uri = options.verificationUri ?? 'https://tv.northwind.example/activate'
  const complete = options.verificationUriComplete === undefined ? `${uri}?code=${userCode.replace(/-/g, '')}` : options.verificationUriComplete
  let issued = 0
  const state = { mode: 'pending' as FixedProvider['mode'] }
  const server: Server = createServer((req, res) => {
    req.resume()
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body))
    if (req.url === '/device') {
      if (state.mode === 'broken') return json(401, { error: 'invalid_client', error_description: 'This screen’s client is not registered with Northwind TV.' })
      issued++
      return json(200, {
        device_code: `device-${issued}`,
        user_code: userCode,
        verification_uri: uri,
        ...(complete ? { verification_uri_complete: complete } : {}),
        expires_in: options.expiresIn ?? 600,
        interval: 1,
      })
    }
    if (req.url === '/token') {
      if (state.mode === 'approved') return json(200, { access_token: 'at-fixed', token_type: 'Bearer', expires_in: 3600, scope: 'openid profile email tv.watch' })
      if (state.mode === 'expired') return json(400, { error: 'expired_token' })
      if (state.mode === 'denied') return json(400, { error: 'access_denied' })
      return json(400, { error: 'authorization_pending' })
    }
    if (req.url === '/userinfo') return json(200, PERSON)
    return json(404, { error: 'not_found' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    get mode() {
      return state.mode
    },
    set mode(mode) {
      state.mode = mode
    },
    get issued() {
      return issued
    },
    config: (id, name, extra = {}) =>
      ({
        id,
        ...(name === undefined ? {} : { name }),
        dialect: 'oauth2',
        clientId: 'screen',
        scope: 'openid profile email',
        endpoints: { deviceAuthorization: `${origin}/device`, token: `${origin}/token`, userinfo: `${origin}/userinfo` },
        ...extra,
      }) as ProviderConfig,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
