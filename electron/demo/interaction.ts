/**
 * The `/interaction/<uid>` route: the page where a person types a name and
 * approves or denies a device sign-in, and what happens when they submit it.
 * oidc-provider sends the browser here (`interactions.url`); everything else
 * is served by `provider.callback()`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Client, Interaction, Provider } from 'oidc-provider'
import { HttpError, isRecord, readForm, sendHtml } from './http-util'
import { interactionPage } from './pages'
import { MAX_NAME_LENGTH, normalizeName } from './store'
import type { AccountBook } from './store'

/** What {@link createInteractionHandler} needs from the running server. */
export interface InteractionDeps {
  provider: Provider
  accounts: AccountBook
  /** Origin of the issuer; a POST with any other `Origin` header is refused. */
  issuerOrigin: string
  /** Display name for a client (with a fallback when it is not loaded). */
  clientNameOf: (client: Client | undefined) => string
  /** Client id used when the interaction does not name one. */
  defaultClientId: string
  /** Scopes the provider supports; only these are granted. */
  supportedScopes: readonly string[]
}

function formatUserCode(normalized: string): string {
  // oidc-provider stores the code normalized ("BCDFGHJK"); the default mask is ****-****.
  return normalized.length === 8 ? `${normalized.slice(0, 4)}-${normalized.slice(4)}` : normalized
}

/** Status and text for an error thrown by `interactionDetails`/`interactionFinished`. */
export function describeFailure(error: unknown): { status: number; message: string; detail: string | undefined } {
  if (error instanceof HttpError) return { status: error.status, message: error.message, detail: undefined }
  if (isRecord(error)) {
    const record = error
    const status = typeof record.status === 'number' ? record.status : 500
    const code = typeof record.error === 'string' ? record.error : undefined
    const description = typeof record.error_description === 'string' ? record.error_description : undefined
    if (status < 500 && code) {
      const expired = /session|cookie|not found/i.test(description ?? '')
      return {
        status,
        message: expired
          ? 'This sign-in page has expired or was already used. Start again from the code on your screen.'
          : 'The sign-in request could not be completed.',
        detail: description ?? code,
      }
    }
  }
  return { status: 500, message: 'The demo provider hit an unexpected error.', detail: undefined }
}

/** Returns the `/interaction/<uid>` handler; it rejects with `HttpError` or oidc-provider's errors (see {@link describeFailure}). */
export function createInteractionHandler(deps: InteractionDeps): (req: IncomingMessage, res: ServerResponse, uid: string) => Promise<void> {
  const { provider, accounts, issuerOrigin, clientNameOf, defaultClientId, supportedScopes } = deps

  const renderInteraction = async (
    res: ServerResponse,
    interaction: Interaction,
    status: number,
    name: string,
    message: string | undefined,
  ): Promise<void> => {
    const clientId = typeof interaction.params.client_id === 'string' ? interaction.params.client_id : undefined
    const client = clientId === undefined ? undefined : await provider.Client.find(clientId)
    const deviceCode = interaction.deviceCode === undefined
      ? undefined
      : await provider.DeviceCode.find(interaction.deviceCode, { ignoreExpiration: true, ignoreSessionBinding: true })
    sendHtml(res, status, interactionPage({
      action: `/interaction/${interaction.uid}`,
      clientName: clientNameOf(client),
      userCode: deviceCode?.userCode === undefined ? undefined : formatUserCode(deviceCode.userCode),
      scope: typeof interaction.params.scope === 'string' ? interaction.params.scope : '',
      name,
      message,
    }))
  }

  const handleInteraction = async (req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      const interaction = await provider.interactionDetails(req, res)
      if (interaction.uid !== uid) throw new HttpError(400, 'This sign-in page does not match your current sign-in.')
      await renderInteraction(res, interaction, 200, '', undefined)
      return
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'GET, POST' }).end()
      return
    }
    // Cookies are SameSite=Lax already; a foreign Origin is refused outright.
    const origin = req.headers.origin
    if (origin !== undefined && origin !== issuerOrigin) throw new HttpError(403, 'Cross-site form submissions are not accepted.')
    const form = await readForm(req)
    const interaction = await provider.interactionDetails(req, res)
    if (interaction.uid !== uid) throw new HttpError(400, 'This sign-in page does not match your current sign-in.')

    const decision = form.get('decision')
    if (decision === 'deny') {
      await provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'the person at the verification page denied the sign-in' },
        { mergeWithLastSubmission: false },
      )
      return
    }
    if (decision !== 'approve') throw new HttpError(400, 'Choose Approve or Deny.')

    const name = normalizeName(form.get('name') ?? '')
    if (!name || name.length > MAX_NAME_LENGTH) {
      const message = name ? `Use at most ${MAX_NAME_LENGTH} characters.` : 'Type a name (any name works) to approve.'
      await renderInteraction(res, interaction, 400, name.slice(0, MAX_NAME_LENGTH), message)
      return
    }
    const account = accounts.signIn(name)
    const clientId = typeof interaction.params.client_id === 'string' ? interaction.params.client_id : defaultClientId
    const requested = typeof interaction.params.scope === 'string' ? interaction.params.scope.split(' ') : []
    const grant = new provider.Grant({ accountId: account.sub, clientId })
    grant.addOIDCScope(requested.filter((s) => supportedScopes.includes(s)).join(' '))
    const grantId = await grant.save()
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: account.sub, remember: false }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    )
  }

  return handleInteraction
}
