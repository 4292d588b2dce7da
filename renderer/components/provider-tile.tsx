/** One provider in the picker: a large tile with its name and dialect. */

/** Props of {@link ProviderTile}. */
export interface ProviderTileProps {
  readonly name: string
  readonly dialect: string
  /** Shown under the dialect for providers that ship with the app. */
  readonly note: string | null
  readonly onPress: () => void
  readonly autoFocus?: boolean
}

/** A tile button; names are plain text (markup or emoji in a name is shown as written). */
export function ProviderTile({ name, dialect, note, onPress, autoFocus = false }: ProviderTileProps) {
  return (
    <button type="button" className="provider-tile" data-autofocus={autoFocus ? '' : undefined} onClick={onPress}>
      <span className="provider-tile__name">{name}</span>
      <span className="provider-tile__dialect">
        {dialect}
        {note && ` · ${note}`}
      </span>
    </button>
  )
}
