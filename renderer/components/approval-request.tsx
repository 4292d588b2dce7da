/**
 * What asks for access, shown before the user decides (RFC 8628 §5.4): the code again, huge,
 * to compare with the other screen; the client, the provider and the scopes; who approves; and
 * a warning that a code someone else sent is a phishing attempt.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-5.4
 */
import { ScopeList } from './scope-list'
import { UserCode } from './user-code'

/** The texts, already translated and filled in. */
export interface ApprovalRequestLabels {
  /** "This must be the code on the screen in front of you:" */
  readonly codeCheck: string
  /** The code spelled for screen readers. */
  readonly codeSpoken: string
  /** "{client} asks for access to your {provider} account." */
  readonly asking: string
  /** The client id, shown under the name when the server gave a name (else null). */
  readonly clientId: string | null
  readonly scopes: string
  readonly noScopes: string
  readonly more: (count: number) => string
  /** "Approving as …", or null when the server did not say. */
  readonly approver: string | null
  readonly warning: string
}

/** Props of {@link ApprovalRequest}. */
export interface ApprovalRequestProps {
  readonly userCode: string
  readonly scopes: readonly string[]
  readonly labels: ApprovalRequestLabels
}

/** The code on the left, what asks on the right, the warning across. */
export function ApprovalRequest({ userCode, scopes, labels }: ApprovalRequestProps) {
  return (
    <div className="approval">
      <div className="approval__code">
        <p className="step">{labels.codeCheck}</p>
        <UserCode code={userCode} label={labels.codeSpoken} />
      </div>
      <div className="approval__what">
        <p className="approval__asking">{labels.asking}</p>
        {labels.clientId && <p className="approval__client-id">{labels.clientId}</p>}
        {scopes.length > 0 ? <ScopeList scope={scopes.join(' ')} label={labels.scopes} more={labels.more} /> : <p className="muted">{labels.noScopes}</p>}
        {labels.approver && <p className="approval__approver">{labels.approver}</p>}
      </div>
      <p className="approval__warning" role="note">
        {labels.warning}
      </p>
    </div>
  )
}
