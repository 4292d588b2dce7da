/**
 * `fetch` for Node (the CLI and serve mode) that honours `HTTPS_PROXY`, `HTTP_PROXY` and
 * `NO_PROXY` (and their lower-case forms) as curl and browsers do. Loopback hosts are never
 * proxied, as in browsers, so the demo provider and local test servers work behind a proxy.
 */
import type { Dispatcher } from 'undici'
import type { FetchLike } from '../core/types'
import { isLoopbackHost } from '../core/urls'

type Env = Readonly<Record<string, string | undefined>>

function envValue(env: Env, name: string): string | undefined {
  const value = env[name.toLowerCase()] ?? env[name.toUpperCase()]
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}

function defaultPort(protocol: string): string {
  return protocol === 'https:' ? '443' : '80'
}

/** True when `NO_PROXY` (comma- or space-separated hosts, `.suffix`, `host:port`, `*`) matches `url`. */
export function matchesNoProxy(url: URL, noProxy: string | undefined): boolean {
  if (!noProxy) return false
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '')
  const port = url.port || defaultPort(url.protocol)
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase()
    if (!entry) continue
    if (entry === '*') return true
    // `[v6]:port`, `v6` (two or more colons, no port), `host:port` or `host`.
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry)
    const plain = bracketed || (entry.match(/:/g)?.length ?? 0) > 1 ? undefined : /^([^:]*)(?::(\d+))?$/.exec(entry)
    const entryHost = (bracketed?.[1] ?? plain?.[1] ?? entry).replace(/^\*?\./, '.')
    const entryPort = bracketed?.[2] ?? plain?.[2]
    if (entryPort && entryPort !== port) continue
    if (entryHost.startsWith('.') ? host.endsWith(entryHost) || host === entryHost.slice(1) : host === entryHost || host.endsWith(`.${entryHost}`)) {
      return true
    }
  }
  return false
}

/**
 * The proxy URL to use for `url` under `env`, or `undefined` for a direct connection. As in
 * curl, `https:` uses only `HTTPS_PROXY` and `http:` only `HTTP_PROXY`, and a proxy given
 * without a scheme (`proxy.corp:3128`) means `http://`.
 */
export function proxyFor(url: URL, env: Env): string | undefined {
  if (isLoopbackHost(url.hostname)) return undefined
  if (matchesNoProxy(url, envValue(env, 'no_proxy'))) return undefined
  const proxy = envValue(env, url.protocol === 'https:' ? 'https_proxy' : 'http_proxy')
  if (proxy === undefined) return undefined
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`
}

/**
 * A `FetchLike` that picks a proxy per request from `env` (default `process.env`). Direct
 * requests use Node's built-in fetch; the `undici` package (about 30 MiB once loaded) is
 * loaded only for the first request that goes through a proxy.
 */
export function createNodeFetch(env: Env = process.env): FetchLike {
  let undici: Promise<typeof import('undici')> | undefined
  const proxies = new Map<string, Dispatcher>()
  return async (input, init) => {
    const url = new URL(input)
    const proxy = proxyFor(url, env)
    if (proxy === undefined) return fetch(input, init)
    undici ??= import('undici')
    const { ProxyAgent, fetch: undiciFetch } = await undici
    // Plain http: goes to the proxy in absolute form, as curl does; https: is tunnelled (CONNECT).
    const key = `${proxy} ${url.protocol}`
    const dispatcher = proxies.get(key) ?? new ProxyAgent({ uri: proxy, proxyTunnel: url.protocol === 'https:' })
    proxies.set(key, dispatcher)
    const response = await undiciFetch(input, { ...(init as Record<string, unknown>), dispatcher })
    return response as unknown as Response
  }
}
