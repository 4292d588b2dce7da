/**
 * The control server behind test/helpers/check-approver.mjs: `linkscreen check --approve-with`
 * runs that script, which POSTs the user code here; `act` approves or denies it at the server
 * under test (a simulator's `approve`, better-auth's HTTP API, the demo's pages).
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'

export interface ControlRequest {
  readonly userCode: string
  readonly decision: 'approve' | 'deny'
  readonly verificationUri: string | undefined
  /** `LINKSCREEN_CHECK_DECISION` as the command saw it. */
  readonly envDecision: string | undefined
}

export interface Control {
  /** The `--approve-with` value. */
  readonly command: string
  /** Every request the command made, in order. */
  readonly seen: ControlRequest[]
  close(): Promise<void>
}

export const APPROVER_SCRIPT = fileURLToPath(new URL('./check-approver.mjs', import.meta.url))

export async function startControl(act: (request: ControlRequest) => Promise<void> | void): Promise<Control> {
  const seen: ControlRequest[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8')
    })
    req.on('end', () => {
      void (async () => {
        const request = JSON.parse(body) as ControlRequest
        seen.push(request)
        await act(request)
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`${request.decision}d`)
      })().catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(error instanceof Error ? error.message : String(error))
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/act`
  return {
    command: `"${process.execPath}" "${APPROVER_SCRIPT}" ${url}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
