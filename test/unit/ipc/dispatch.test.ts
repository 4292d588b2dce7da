import { describe, expect, it } from 'vitest'
import { ContractError, dispatch, validateRequest } from '../../../electron/ipc/dispatch'
import { INVOKE_CHANNELS } from '../../../electron/ipc/contract'
import { FlowService } from '../../../electron/services/flow-service'
import { createHttp } from '../../../electron/core/http'
import { FakeClock } from '../../helpers/fake-clock'
import { SAMPLE_REQUESTS } from '../../helpers/contract-samples'

const clock = new FakeClock()
const service = new FlowService({ providers: [], deps: { http: createHttp({ fetch: async () => new Response(null, { status: 500 }), clock }), clock } })
const context = { service, info: { kiosk: true, fixedProvider: null, locale: 'en', host: 'serve' as const, storage: 'memory' as const, notices: [] } }

async function contractError(channel: unknown, request: unknown): Promise<ContractError> {
  try {
    await dispatch(context, channel, request)
  } catch (error) {
    if (error instanceof ContractError) return error
    throw error
  }
  throw new Error('expected a ContractError')
}

describe('every request is validated at the boundary', () => {
  const BAD: [string, unknown, unknown, string][] = [
    ['an unknown channel', 'auth:steal', null, 'unknown_channel'],
    ['a channel that is not a string', 42, null, 'unknown_channel'],
    ['a wrong type', 'auth:start', { providerId: 7 }, 'invalid_request'],
    ['extra keys', 'auth:start', { providerId: 'demo', admin: true }, 'invalid_request'],
    ['a payload on a channel that takes none', 'auth:cancel', { now: true }, 'invalid_request'],
    ['a provider id with a path in it', 'auth:start', { providerId: '../etc' }, 'invalid_request'],
    ['a 10 MB string', 'auth:start', { providerId: 'x'.repeat(10 * 1024 * 1024) }, 'request_too_large'],
    ['an array', 'accounts:sign-out', ['a'], 'invalid_request'],
    ['a decision that is neither approve nor deny', 'approve:decide', { accountId: 'ba:a', userCode: 'ABCD', decision: 'maybe' }, 'invalid_request'],
    ['a user code of 300 characters', 'approve:claim', { accountId: 'ba:a', userCode: 'A'.repeat(300) }, 'invalid_request'],
    ['a user code that is not a string', 'approve:claim', { accountId: 'ba:a', userCode: 12345678 }, 'invalid_request'],
    ['a payload on log:get', 'log:get', { all: true }, 'invalid_request'],
    ['a function (not plain data)', 'accounts:sign-out', { accountId: () => 1 }, 'invalid_request'],
  ]
  for (const [name, channel, request, code] of BAD) {
    it(`refuses ${name}`, async () => {
      expect((await contractError(channel, request)).code).toBe(code)
    })
  }

  it('names the field in the message', () => {
    expect(() => validateRequest('auth:start', { providerId: 7 })).toThrow('auth:start: request.providerId: Invalid input: expected string, received number')
  })

  it('answers every channel of the contract', async () => {
    for (const channel of INVOKE_CHANNELS) {
      await expect(dispatch(context, channel, SAMPLE_REQUESTS[channel])).resolves.toBeDefined()
    }
  })

  it('kiosk mode never opens a browser', async () => {
    expect(await dispatch(context, 'shell:open-verification', null)).toMatchObject({ ok: false })
  })
})
