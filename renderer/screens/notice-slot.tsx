/** The store's notice (the last failed action), in the screen's language. */
import { Notice } from '../components/notice'
import { useT } from '../i18n/use-t'
import { errorKey } from '../i18n/translate'
import { useStore } from '../store'

/** Renders the notice, if there is one. */
export function NoticeSlot() {
  const t = useT()
  const notice = useStore((s) => s.notice)
  if (!notice) return null
  return <Notice title={t(errorKey(notice.code))} detail={notice.message} />
}
