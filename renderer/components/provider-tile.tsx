/** One provider in the picker: a large tile with its mark (or logo), name and dialect. */
import { accentStyle, type Brand } from '../brand/brand'
import { ProviderMark } from './provider-mark'

/** Props of {@link ProviderTile}. */
export interface ProviderTileProps {
  readonly name: string
  readonly dialect: string
  /** Its logo or neutral mark, and accent colour. */
  readonly brand?: Brand
  /** Shown under the dialect for providers that ship with the app. */
  readonly note: string | null
  readonly onPress: () => void
  readonly autoFocus?: boolean
}

/** A tile button; names are plain text (markup or emoji in a name is shown as written). */
export function ProviderTile({ name, dialect, brand, note, onPress, autoFocus = false }: ProviderTileProps) {
  return (
    <button type="button" className="provider-tile" data-autofocus={autoFocus ? '' : undefined} onClick={onPress} style={accentStyle(brand)}>
      {brand && <ProviderMark brand={brand} size="large" />}
      <span className="provider-tile__text">
        <span className="provider-tile__name">
          <bdi>{name}</bdi>
        </span>
        <span className="provider-tile__dialect">
          {dialect}
          {note && ` · ${note}`}
        </span>
      </span>
    </button>
  )
}
