/**
 * Every string the screen shows, in English and German. Placeholders are `{name}`; React
 * escapes whatever is put into them. Keys are grouped by screen.
 */

/** The English catalogue; its keys are the catalogue's keys. */
export const en = {
  'app.name': 'Linkscreen',
  'app.connecting': 'Connecting…',
  'app.keysHint': 'Arrow keys to move · OK to choose · Back to return',
  'app.storageMemory': 'Accounts are kept only until this app closes: this device has no secure key store.',
  'app.notice.no_keyring': 'No keyring on this device: accounts are kept only until the app closes.',
  'app.notice.encryption_unavailable': 'The system key store is unavailable: accounts are kept only until the app closes.',
  'app.notice.store_moved_aside': 'The saved accounts could not be read and were set aside.',
  'app.notice.accounts_undecryptable': 'Some saved accounts could not be decrypted on this device and were set aside.',
  'app.notice.config_invalid': 'The provider settings have an error.',
  'app.notice.vault_write_failed': 'An account change could not be saved.',

  'common.back': 'Back',
  'common.tryAgain': 'Try again',

  'picker.title': 'Choose where to sign in',
  'picker.hint': 'Pick a service with the arrow keys, then press OK.',
  'picker.empty': 'No sign-in services are set up on this screen.',
  'picker.accounts': 'Signed-in accounts ({count})',
  'picker.builtIn': 'built in',

  'signIn.title': 'Sign in to {provider}',
  'signIn.scanOrVisit': 'Scan the QR code with your phone, or go to',
  'signIn.scan': 'Scan the QR code with your phone,',
  'signIn.visit': 'On your phone or computer, go to',
  'signIn.enterCode': 'and enter this code:',
  'signIn.enterCodeOnly': 'Enter this code on the sign-in page of {provider}:',
  'signIn.codeLabel': 'Code: {spelled}',
  'signIn.gettingCode': 'Getting a code…',
  'signIn.qrLabel': 'QR code: opens the sign-in page on {host}',
  'signIn.open': 'Open the sign-in page',
  'signIn.copy': 'Copy code',
  'signIn.copied': 'Code copied',
  'signIn.cancel': 'Cancel',
  'signIn.renewed': 'This is a new code (renewed {count}×).',
  'signIn.providerSays': '{provider} says:',

  'status.starting': 'Asking {provider} for a code…',
  'status.waiting': 'Waiting for you to sign in…',
  'status.slowDown': 'Asked to check less often. Still waiting…',
  'status.reconnecting': 'Connection lost. Reconnecting…',
  'status.networkError': 'Can’t reach the sign-in service. Still trying…',
  'status.renewing': 'The code expired. Getting a new one…',

  'countdown.label': 'Time left',
  'countdown.minutes': '{count} minutes left',
  'countdown.oneMinute': '1 minute left',
  'countdown.seconds': '{count} seconds left',
  'countdown.over': 'The code has expired',

  'success.title': 'You’re signed in',
  'success.provider': 'Signed in to {provider}',
  'success.unnamed': 'Signed-in account',
  'success.avatarAlt': 'Picture of {name}',
  'success.scopes': 'Access granted:',
  'success.noScopes': 'No access was listed.',
  'success.moreScopes': '+{count} more',
  'success.done': 'Done',
  'success.another': 'Sign in another account',

  'denied.title': 'Sign-in was declined',
  'denied.body': 'The request was turned down on the sign-in page, so nothing was signed in.',
  'denied.reason': 'Reason given: {reason}',

  'expired.title': 'The code expired',
  'expired.body': 'Codes only work for a few minutes.',
  'expired.prompt': 'Press OK for a new code.',
  'expired.renewals': 'It was renewed {count}× before it ran out.',
  'expired.newCode': 'Get a new code',

  'error.hint': 'Your signed-in accounts are not affected.',

  'accounts.title': 'Signed-in accounts',
  'accounts.empty': 'No accounts are signed in.',
  'accounts.signOut': 'Sign out',
  'accounts.signOutLabel': 'Sign out {name}',
  'accounts.signedInAt': 'Signed in {when}',
  'accounts.add': 'Sign in another account',

  'errors.generic': 'Something went wrong',
  'errors.network_error': 'Can’t reach the sign-in service',
  'errors.timeout': 'The sign-in service took too long to answer',
  'errors.unknown_provider': 'This sign-in service is not set up',
  'errors.invalid_response': 'The sign-in service sent an answer we can’t use',
  'errors.insecure_url': 'The sign-in service gave an unsafe address',
  'errors.oauth_error': 'The sign-in service refused the request',
  'errors.server_error': 'The sign-in service has a problem',
  'errors.response_too_large': 'The sign-in service sent too much data',
  'errors.config_error': 'This sign-in service is set up wrongly',
  'errors.revocation_failed': 'Signed out here, but the service could not be told',
  'errors.unknown_account': 'That account is no longer signed in',
  'errors.copy_failed': 'The code could not be copied',
  'errors.unavailable': 'That is not possible on this screen',
  'errors.no_code': 'There is no code on screen any more',
} as const

/** A key of the catalogue. */
export type MessageKey = keyof typeof en

/** The German catalogue: every English key, no more, no fewer. */
export const de: { readonly [K in MessageKey]: string } = {
  'app.name': 'Linkscreen',
  'app.connecting': 'Verbinde…',
  'app.keysHint': 'Pfeiltasten zum Wählen · OK zum Bestätigen · Zurück',
  'app.storageMemory': 'Konten bleiben nur bis zum Schließen der App erhalten: Dieses Gerät hat keinen sicheren Schlüsselspeicher.',
  'app.notice.no_keyring': 'Kein Schlüsselbund auf diesem Gerät: Konten bleiben nur bis zum Schließen der App erhalten.',
  'app.notice.encryption_unavailable': 'Der Schlüsselspeicher des Systems ist nicht verfügbar: Konten bleiben nur bis zum Schließen der App erhalten.',
  'app.notice.store_moved_aside': 'Die gespeicherten Konten waren nicht lesbar und wurden beiseitegelegt.',
  'app.notice.accounts_undecryptable': 'Einige gespeicherte Konten ließen sich auf diesem Gerät nicht entschlüsseln und wurden beiseitegelegt.',
  'app.notice.config_invalid': 'Die Anbieter-Einstellungen enthalten einen Fehler.',
  'app.notice.vault_write_failed': 'Eine Kontoänderung konnte nicht gespeichert werden.',

  'common.back': 'Zurück',
  'common.tryAgain': 'Erneut versuchen',

  'picker.title': 'Wo möchten Sie sich anmelden?',
  'picker.hint': 'Wählen Sie einen Dienst mit den Pfeiltasten und drücken Sie OK.',
  'picker.empty': 'Auf diesem Bildschirm ist kein Anmeldedienst eingerichtet.',
  'picker.accounts': 'Angemeldete Konten ({count})',
  'picker.builtIn': 'integriert',

  'signIn.title': 'Bei {provider} anmelden',
  'signIn.scanOrVisit': 'Scannen Sie den QR-Code oder öffnen Sie',
  'signIn.scan': 'Scannen Sie den QR-Code mit dem Handy',
  'signIn.visit': 'Öffnen Sie auf Handy oder Computer',
  'signIn.enterCode': 'und geben Sie diesen Code ein:',
  'signIn.enterCodeOnly': 'Geben Sie diesen Code auf der Anmeldeseite von {provider} ein:',
  'signIn.codeLabel': 'Code: {spelled}',
  'signIn.gettingCode': 'Code wird angefordert…',
  'signIn.qrLabel': 'QR-Code: öffnet die Anmeldeseite auf {host}',
  'signIn.open': 'Anmeldeseite öffnen',
  'signIn.copy': 'Code kopieren',
  'signIn.copied': 'Code kopiert',
  'signIn.cancel': 'Abbrechen',
  'signIn.renewed': 'Dies ist ein neuer Code ({count}× erneuert).',
  'signIn.providerSays': 'Hinweis von {provider}:',

  'status.starting': 'Code wird bei {provider} angefordert…',
  'status.waiting': 'Warte auf Ihre Anmeldung…',
  'status.slowDown': 'Seltener abfragen erbeten. Warte weiter…',
  'status.reconnecting': 'Verbindung unterbrochen. Verbinde neu…',
  'status.networkError': 'Anmeldedienst nicht erreichbar. Versuche es weiter…',
  'status.renewing': 'Der Code ist abgelaufen. Hole einen neuen…',

  'countdown.label': 'Verbleibende Zeit',
  'countdown.minutes': 'Noch {count} Minuten',
  'countdown.oneMinute': 'Noch 1 Minute',
  'countdown.seconds': 'Noch {count} Sekunden',
  'countdown.over': 'Der Code ist abgelaufen',

  'success.title': 'Sie sind angemeldet',
  'success.provider': 'Angemeldet bei {provider}',
  'success.unnamed': 'Angemeldetes Konto',
  'success.avatarAlt': 'Bild von {name}',
  'success.scopes': 'Gewährter Zugriff:',
  'success.noScopes': 'Es wurde kein Zugriff angegeben.',
  'success.moreScopes': '+{count} weitere',
  'success.done': 'Fertig',
  'success.another': 'Weiteres Konto anmelden',

  'denied.title': 'Anmeldung abgelehnt',
  'denied.body': 'Die Anfrage wurde auf der Anmeldeseite abgelehnt, es wurde nichts angemeldet.',
  'denied.reason': 'Angegebener Grund: {reason}',

  'expired.title': 'Der Code ist abgelaufen',
  'expired.body': 'Codes gelten nur wenige Minuten.',
  'expired.prompt': 'Drücken Sie OK für einen neuen Code.',
  'expired.renewals': 'Er wurde {count}× erneuert, bevor er ablief.',
  'expired.newCode': 'Neuen Code holen',

  'error.hint': 'Ihre angemeldeten Konten bleiben unverändert.',

  'accounts.title': 'Angemeldete Konten',
  'accounts.empty': 'Es ist kein Konto angemeldet.',
  'accounts.signOut': 'Abmelden',
  'accounts.signOutLabel': '{name} abmelden',
  'accounts.signedInAt': 'Angemeldet {when}',
  'accounts.add': 'Weiteres Konto anmelden',

  'errors.generic': 'Etwas ist schiefgegangen',
  'errors.network_error': 'Der Anmeldedienst ist nicht erreichbar',
  'errors.timeout': 'Der Anmeldedienst antwortet zu langsam',
  'errors.unknown_provider': 'Dieser Anmeldedienst ist nicht eingerichtet',
  'errors.invalid_response': 'Der Anmeldedienst hat unbrauchbar geantwortet',
  'errors.insecure_url': 'Der Anmeldedienst nannte eine unsichere Adresse',
  'errors.oauth_error': 'Der Anmeldedienst hat die Anfrage abgelehnt',
  'errors.server_error': 'Der Anmeldedienst hat ein Problem',
  'errors.response_too_large': 'Der Anmeldedienst hat zu viele Daten gesendet',
  'errors.config_error': 'Dieser Anmeldedienst ist falsch eingerichtet',
  'errors.revocation_failed': 'Hier abgemeldet, aber der Dienst war nicht erreichbar',
  'errors.unknown_account': 'Dieses Konto ist nicht mehr angemeldet',
  'errors.copy_failed': 'Der Code konnte nicht kopiert werden',
  'errors.unavailable': 'Das ist auf diesem Bildschirm nicht möglich',
  'errors.no_code': 'Es wird kein Code mehr angezeigt',
}

/** The languages the catalogue has. */
export type Language = 'en' | 'de'

/** The catalogue for each language. */
export const CATALOGUES: { readonly [L in Language]: { readonly [K in MessageKey]: string } } = { en, de }
