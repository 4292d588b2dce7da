/** The verification URL as people type it, host first and never shortened. */
import { splitHost } from '../format/urls'

/** Props of {@link VerificationUrl}. */
export interface VerificationUrlProps {
  /** A URL already checked safe (`https:` or loopback `http:`). */
  readonly url: URL
}

/** Longer URLs get smaller type so that even a 300-character one fits its column. */
function sizeOf(length: number): 'l' | 'm' | 's' | 'xs' {
  if (length <= 32) return 'l'
  if (length <= 60) return 'm'
  if (length <= 120) return 's'
  return 'xs'
}

/** Shows `example.com/device` for `https://example.com/device/`; the host stands out. */
export function VerificationUrl({ url }: VerificationUrlProps) {
  const { host, rest } = splitHost(url)
  return (
    <p className={`verification-url verification-url--${sizeOf(host.length + rest.length)}`}>
      <span className="verification-url__host">{host}</span>
      {rest !== '' && <span className="verification-url__rest">{rest}</span>}
    </p>
  )
}
