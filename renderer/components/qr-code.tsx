/** A QR code drawn locally by `qrcode` as SVG: dark on white, with its full quiet zone. */
import { toString as qrToString } from 'qrcode'
import { useEffect, useState } from 'react'

/** Props of {@link QrCode}. */
export interface QrCodeProps {
  /** The URL to encode; the caller has checked it is `https:` or loopback `http:`. */
  readonly value: string
  /** What the code is, for screen readers. */
  readonly label: string
}

type Drawn = { readonly value: string; readonly svg: string } | { readonly value: string; readonly failed: true }

/**
 * Renders `value` as a QR code (error correction M, 4-module margin). The markup comes from
 * `qrcode` on this machine, never from the network, which is why it may be set as HTML. When
 * the value cannot be encoded (too long) nothing is shown.
 */
export function QrCode({ value, label }: QrCodeProps) {
  const [drawn, setDrawn] = useState<Drawn | null>(null)
  useEffect(() => {
    let current = true
    qrToString(value, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 }).then(
      (svg) => {
        if (current) setDrawn({ value, svg })
      },
      (error: unknown) => {
        console.warn('linkscreen: the QR code could not be drawn', error)
        if (current) setDrawn({ value, failed: true })
      },
    )
    return () => {
      current = false
    }
  }, [value])
  if (drawn?.value === value && 'failed' in drawn) return null
  return (
    <div className="qr-code" role="img" aria-label={label}>
      {drawn?.value === value && 'svg' in drawn && <div className="qr-code__svg" aria-hidden="true" dangerouslySetInnerHTML={{ __html: drawn.svg }} />}
    </div>
  )
}
