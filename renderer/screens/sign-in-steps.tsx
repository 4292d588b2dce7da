/**
 * The numbered steps around the code: ① scan the QR code with the phone's camera; ② or go to
 * the URL and enter the code. Without a QR code (or a safe URL) there is one plain instruction.
 */
import type { ReactNode } from 'react'
import { VerificationUrl } from '../components/verification-url'
import type { Translate } from '../i18n/translate'

/** A step: its number in the accent colour, then what to do. */
export function Step({ n, children }: { readonly n: number; readonly children: ReactNode }) {
  return (
    <div className="step">
      <span className="step__number">{n}</span>
      <div className="step__text">{children}</div>
    </div>
  )
}

/** ① Scan with your phone's camera (the QR code follows it). */
export function ScanStep({ t }: { readonly t: Translate }) {
  return <Step n={1}>{t('signIn.step.scan')}</Step>
}

/** Props of {@link SignInSteps}. */
export interface SignInStepsProps {
  /** The QR target, when safe to show; without it neither QR nor URL appears. */
  readonly qr: URL | null
  /** The verification URL as text, when safe. */
  readonly url: URL | null
  readonly provider: string
  readonly t: Translate
}

/** ② Or go to example.com/device and enter this code: (the code follows it). */
export function SignInSteps({ qr, url, provider, t }: SignInStepsProps) {
  if (!qr) return <p className="step">{t('signIn.enterCodeOnly', { provider })}</p>
  if (!url) return <Step n={2}>{t('signIn.step.enterWhenAsked')}</Step>
  return (
    <Step n={2}>
      {t('signIn.step.visit')}
      <VerificationUrl url={url} />
      {t('signIn.step.enter')}
    </Step>
  )
}
