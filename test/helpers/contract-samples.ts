/** A valid request for every invoke channel, for tests that walk the whole contract. */
import type { InvokeChannel, InvokeMap } from '../../electron/ipc/contract'

export const SAMPLE_REQUESTS: { readonly [C in InvokeChannel]: InvokeMap[C]['request'] } = {
  'app:info': null,
  'app:retryKeystore': null,
  'app:restart': { discardUnsaved: 0 },
  'providers:list': null,
  'auth:state': null,
  'auth:start': { providerId: 'none' },
  'auth:cancel': null,
  'auth:renew': null,
  'accounts:list': null,
  'accounts:sign-out': { accountId: 'demo:a' },
  'accounts:refresh': { accountId: 'demo:a' },
  'approve:claim': { accountId: 'ba:a', userCode: 'ABCD-EFGH' },
  'approve:decide': { accountId: 'ba:a', userCode: 'ABCDEFGH', decision: 'deny' },
  'log:get': null,
  'log:export': null,
  'shell:open-verification': null,
  'clipboard:copy-code': null,
}
