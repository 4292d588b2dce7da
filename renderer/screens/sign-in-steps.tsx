/** The instructions above the code: scan or visit the URL, then enter the code. */
import { VerificationUrl } from '../components/verification-url'
import type { Translate } from '../i18n/translate'

/** Props of {@link SignInSteps}. */
export interface SignInStepsProps {
  /** The QR target, when safe to show; without it neither QR nor URL appears. */
  readonly qr: URL | null
  /** The verification URL as text, when safe. */
  readonly url: URL | null
  readonly provider: string
  readonly t: Translate
}

/** "Scan the QR code … or go to example.com/device and enter this code:" */
export function SignInSteps({ qr, url, provider, t }: SignInStepsProps) {
  if (!qr) return <p className="step">{t('signIn.enterCodeOnly', { provider })}</p>
  return (
    <>
      <p className="step">{url ? t('signIn.scanOrVisit') : t('signIn.scan')}</p>
      {url && <VerificationUrl url={url} />}
      <p className="step">{t('signIn.enterCode')}</p>
    </>
  )
}
