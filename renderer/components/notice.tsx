/** A failed action, in plain words: what went wrong, then the back end's detail. */

/** Props of {@link Notice}. */
export interface NoticeProps {
  readonly title: string
  readonly detail: string | null
}

/** An assertive alert, since it answers something the user just did. */
export function Notice({ title, detail }: NoticeProps) {
  return (
    <div className="notice" role="alert">
      <p className="notice__title">{title}</p>
      {detail && <p className="notice__detail">{detail}</p>}
    </div>
  )
}
