/**
 * The sign-in screen (`starting` and `waiting`), composed for a screen seen from the sofa: the
 * provider's mark and name, ① the QR code, ② the URL, then the code as the hero; under them a
 * quiet countdown line and bar (urgent in the last minute) with what is happening now. On a
 * desktop it can also open the page or copy the code. A new code slides in; a renewed one
 * flashes (each code is its own element, keyed by code and renewal).
 */
import { useState } from 'react'
import { useShallow } from 'zustand/react/shallow'
import { useActions } from '../actions'
import { isolate, useBrand } from '../brand/brand'
import { Countdown } from '../components/countdown'
import { FocusButton } from '../components/focus-button'
import { QrCode } from '../components/qr-code'
import { Screen } from '../components/screen'
import { StatusLine } from '../components/status-line'
import { UserCode } from '../components/user-code'
import { useBack } from '../focus/use-back'
import { spellCode } from '../format/user-code'
import { safeUrl } from '../format/urls'
import type { Translate } from '../i18n/translate'
import { useT } from '../i18n/use-t'
import { useStore, type State } from '../store'
import { NoticeSlot } from './notice-slot'
import { ScanStep, SignInSteps } from './sign-in-steps'
import { networkLine, statusOf } from './sign-in-status'

/** Shows the code to enter elsewhere; Back cancels and returns to the picker (unless fixed). */
export function SignInScreen() {
  const t = useT()
  const actions = useActions()
  const flow = useStore(
    useShallow((s) => ({
      status: s.flow.status,
      providerId: s.flow.providerId ?? s.app?.fixedProvider ?? null,
      providerName: s.flow.providerName ?? fixedName(s),
      userCode: s.flow.userCode,
      verificationUri: s.flow.verificationUri,
      qrTarget: s.flow.qrTarget,
      expiresInMs: s.flow.expiresInMs,
      receivedAt: s.flowReceivedAt,
      poll: s.flow.poll,
      offline: s.flow.offline,
      attempt: s.flow.attempt,
      network: s.flow.network,
      renewals: s.flow.renewals,
      providerMessage: s.flow.providerMessage,
      warning: s.flow.warning,
    })),
  )
  const connection = useStore((s) => s.connection)
  const kiosk = useStore((s) => s.app?.kiosk ?? true)
  const fixed = useStore((s) => s.app?.fixedProvider ?? null)
  const failed = useStore((s) => s.notice !== null)
  /** The code (and renewal) whose countdown ran out on screen. */
  const [expiredFor, setExpiredFor] = useState<string | null>(null)
  const [copied, setCopied] = useState<string | null>(null)
  useBack(fixed ? null : () => void actions.backToPicker())

  const qr = safeUrl(flow.qrTarget)
  const shownUrl = qr ? safeUrl(flow.verificationUri) : null
  const code = flow.status === 'waiting' ? flow.userCode : null
  // One countdown per code: the deadline is on the monotonic clock (arrival + time left).
  const codeKey = code === null ? null : `${code}#${flow.renewals}`
  const deadline = flow.expiresInMs === null ? null : flow.receivedAt + flow.expiresInMs
  const renewing = codeKey !== null && expiredFor === codeKey
  const line = statusOf({ connection, status: flow.status, poll: flow.poll, renewing, offline: flow.offline, attempt: flow.attempt, network: flow.network })
  // While connecting again, a captive portal or proxy gets a line of its own under "connecting".
  const note = code === null && flow.attempt > 1 ? networkLine(flow.network) : undefined
  const provider = isolate(flow.providerName)
  const brand = useBrand(flow.providerId, flow.providerName)
  const copy = (value: string): void => {
    void actions.copyCode(value).then((ok) => setCopied(ok ? value : null))
  }

  const statusLine = <StatusLine text={t(line.key, { provider, attempt: flow.attempt, host: flow.network?.host ?? '' })} tone={line.tone} />
  const status = (
    <div className="sign-in__status">
      {code && deadline !== null ? (
        <Countdown key={codeKey} deadline={deadline} label={t('countdown.label')} prefix={t('countdown.expiresIn')} describe={(s) => describeLeft(t, s)} onExpire={() => setExpiredFor(codeKey)}>
          {statusLine}
        </Countdown>
      ) : (
        statusLine
      )}
      {note && <p className="sign-in__network">{t(note.key, { host: flow.network?.host ?? '' })}</p>}
      {code && flow.renewals > 0 && <p className="sign-in__renewed">{t('signIn.renewed', { count: flow.renewals })}</p>}
    </div>
  )
  const withQr = qr !== null && code !== null
  // A long URL or code takes more lines: the QR code gives up some of its size so all fits.
  const dense = (shownUrl !== null && shownUrl.href.length > 60) || (code !== null && code.length > 14)

  return (
    <Screen name="sign-in" brand={brand} title={t('signIn.title', { provider })} focusKey={code ?? failed}>
      <div className={`sign-in__body${withQr ? ' sign-in__body--qr' : ''}${dense ? ' sign-in__body--dense' : ''}`}>
        {withQr && (
          <section className="sign-in__scan">
            <ScanStep t={t} />
            <QrCode value={qr.href} label={t('signIn.qrLabel', { host: qr.host })} />
          </section>
        )}
        <div className="sign-in__main">
          {code ? (
            <>
              <SignInSteps qr={qr} url={shownUrl} provider={provider} t={t} />
              <UserCode key={codeKey} code={code} label={t('signIn.codeLabel', { spelled: spellCode(code) })} focusable={kiosk && fixed !== null} moment={flow.renewals > 0 ? 'renewed' : 'new'} />
            </>
          ) : (
            !failed && <p className="sign-in__pending">{t(flow.offline ? 'status.offline' : 'signIn.gettingCode')}</p>
          )}
          {code && flow.providerMessage && (
            <p className="sign-in__message">
              <span className="sign-in__message-from">{t('signIn.providerSays', { provider })}</span> {flow.providerMessage}
            </p>
          )}
          {code && flow.warning && (
            <p className="sign-in__warning">
              <small>
                {t('signIn.linkWithheld')} {flow.warning}
              </small>
            </p>
          )}
        </div>
      </div>
      {(code !== null || connection === 'reconnecting' || flow.offline || flow.attempt > 1) && status}
      <NoticeSlot />
      <div className="actions">
        {code && qr && !kiosk && <FocusButton label={t('signIn.open')} variant="primary" autoFocus onPress={() => void actions.openVerification(qr)} />}
        {code && !kiosk && <FocusButton label={copied === code ? t('signIn.copied') : t('signIn.copy')} onPress={() => copy(code)} />}
        {!code && failed && <FocusButton label={t('common.tryAgain')} variant="primary" autoFocus onPress={() => void actions.retry()} />}
        {!fixed && <FocusButton label={t('signIn.cancel')} onPress={() => void actions.backToPicker()} />}
      </div>
    </Screen>
  )
}

/** The fixed provider's name, before the first snapshot names it. */
function fixedName(s: State): string {
  const id = s.app?.fixedProvider ?? null
  return s.providers.find((p) => p.id === id)?.name ?? id ?? ''
}

/** The milestone announcement for `seconds` left. */
function describeLeft(t: Translate, seconds: number): string {
  if (seconds <= 0) return t('countdown.over')
  if (seconds < 60) return t('countdown.seconds', { count: seconds })
  if (seconds < 120) return t('countdown.oneMinute')
  return t('countdown.minutes', { count: Math.floor(seconds / 60) })
}
