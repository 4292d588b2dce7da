/** The user code: huge, monospace, chunked, with look-alike glyphs told apart. */
import { Fragment, type CSSProperties } from 'react'
import { codeGroups, glyphKind } from '../format/user-code'

/** Props of {@link UserCode}. */
export interface UserCodeProps {
  readonly code: string
  /** What a screen reader says: the code spelled character by character. */
  readonly label: string
  /** Whether the code itself can take focus (when a screen has no control). */
  readonly focusable?: boolean
  /** How it arrives: a first code slides in, a renewed one flashes (give it a new `key` each time). */
  readonly moment?: 'new' | 'renewed'
}

/** Codes up to this many characters (dashes included) stay on one line. */
const ONE_LINE = 14

/**
 * Shows `code` in groups (`WDJB-MJHT`). Digits are tinted and zero is slashed, so `0`/`O` and
 * `1`/`I`/`l` differ at a glance. The visual text is hidden from screen readers, which read
 * `label` instead. Long codes shrink to fit, over two lines at most.
 */
export function UserCode({ code, label, focusable = false, moment }: UserCodeProps) {
  const groups = codeGroups(code)
  const length = groups.join('-').length
  const perLine = length <= ONE_LINE ? length : Math.ceil(length / 2)
  const style = { '--per-line': perLine } as CSSProperties
  return (
    <div className={`user-code${moment ? ` user-code--${moment}` : ''}`} role="img" aria-label={label} tabIndex={focusable ? 0 : undefined} data-autofocus={focusable ? '' : undefined} style={style}>
      <span className="user-code__text" aria-hidden="true">
        {groups.map((group, g) => (
          <Fragment key={g}>
            {g > 0 && <wbr />}
            {/* The dash ends its group, so a line never starts with one. */}
            <span className="user-code__group">
              {[...group].map((char, c) => (
                <span key={c} className={`glyph glyph--${glyphKind(char)}`}>
                  {char}
                </span>
              ))}
              {g < groups.length - 1 && <span className="user-code__dash">-</span>}
            </span>
          </Fragment>
        ))}
      </span>
    </div>
  )
}
