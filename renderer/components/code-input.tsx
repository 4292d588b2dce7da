/**
 * A field for a code read off another screen, with its OK button. Enter in the field submits;
 * Backspace deletes there and Left/Right move the caret (see `focus/keys.ts`), Up/Down leave.
 */
import { useId } from 'react'
import { FocusButton } from './focus-button'

/** Props of {@link CodeInput}. */
export interface CodeInputProps {
  readonly value: string
  readonly onChange: (value: string) => void
  readonly onSubmit: () => void
  /** The field's visible label. */
  readonly label: string
  readonly submitLabel: string
  /** While the code is checked the field is read-only and the button waits. */
  readonly busy: boolean
  /** The last attempt was refused: the field is marked invalid. */
  readonly invalid: boolean
}

/** Takes first focus; the whole code is selected on focus, so typing replaces a wrong one. */
export function CodeInput({ value, onChange, onSubmit, label, submitLabel, busy, invalid }: CodeInputProps) {
  const id = useId()
  return (
    <form
      className="code-input"
      noValidate
      onSubmit={(event) => {
        event.preventDefault()
        if (!busy) onSubmit()
      }}
    >
      <label className="code-input__label" htmlFor={id}>
        {label}
      </label>
      <div className="code-input__row">
        <input
          id={id}
          className="code-input__field"
          type="text"
          name="user-code"
          value={value}
          onChange={(event) => onChange(event.currentTarget.value)}
          onFocus={(event) => event.currentTarget.select()}
          readOnly={busy}
          aria-invalid={invalid}
          autoComplete="off"
          autoCapitalize="characters"
          autoCorrect="off"
          spellCheck={false}
          enterKeyHint="go"
          maxLength={191}
          data-autofocus=""
        />
        <FocusButton label={submitLabel} variant="primary" disabled={busy} onPress={onSubmit} />
      </div>
    </form>
  )
}
