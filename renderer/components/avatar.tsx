/** An account's picture, or its initial when there is none (or it will not load). */
import { useState } from 'react'
import { safeUrl } from '../format/urls'

/** Props of {@link Avatar}. */
export interface AvatarProps {
  /** The picture URL; shown only when `https:` or loopback `http:`. */
  readonly src: string | null
  /** Alt text for the picture. */
  readonly alt: string
  /** The name or email the initial is taken from. */
  readonly name: string
  readonly size?: 'large' | 'small'
}

/** A round picture; a failed or unsafe URL falls back to a monogram (decorative, not read). */
export function Avatar({ src, alt, name, size = 'large' }: AvatarProps) {
  const [failed, setFailed] = useState<string | null>(null)
  const url = safeUrl(src)
  if (url && failed !== url.href) {
    return <img className={`avatar avatar--${size}`} src={url.href} alt={alt} referrerPolicy="no-referrer" onError={() => setFailed(url.href)} />
  }
  const initial = [...name.trim()][0]?.toLocaleUpperCase() ?? '?'
  return (
    <span className={`avatar avatar--${size} avatar--monogram`} aria-hidden="true">
      {initial}
    </span>
  )
}
