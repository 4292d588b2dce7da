/**
 * A transparent HTTP proxy on 127.0.0.1 in front of a test server that keeps every JSON answer,
 * so that a test knows every code and token the server handed out (to search reports for them,
 * and to know which user codes were issued).
 */
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RecordingProxy {
  readonly origin: string
  /** Every JSON object answered, in order. */
  readonly answers: Record<string, unknown>[]
  /** Every user code issued. */
  userCodes(): string[]
  /** Every device code, token and refresh token handed out. */
  secrets(): string[]
  close(): Promise<void>
}

export async function startRecordingProxy(upstream: string): Promise<RecordingProxy> {
  const target = new URL(upstream)
  const answers: Record<string, unknown>[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const out = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
        (up) => {
          const body: Buffer[] = []
          up.on('data', (chunk: Buffer) => body.push(chunk))
          up.on('end', () => {
            const all = Buffer.concat(body)
            try {
              const parsed = JSON.parse(all.toString('utf8')) as unknown
              if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) answers.push(parsed as Record<string, unknown>)
            } catch {
              // not JSON
            }
            res.writeHead(up.statusCode ?? 502, up.headers).end(all)
          })
        },
      )
      out.on('error', () => res.destroy())
      out.end(Buffer.concat(chunks))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const strings = (key: string): string[] => answers.map((a) => a[key]).filter((v): v is string => typeof v === 'string')
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answers,
    userCodes: () => strings('user_code'),
    secrets: () => ['device_code', 'access_token', 'refresh_token', 'id_token'].flatMap(strings),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
