/**
 * A self-signed X.509 certificate for 127.0.0.1, made at test time with node:crypto alone (a
 * P-256 key; the DER is written by hand: no openssl binary, no package).
 */
import { X509Certificate, generateKeyPairSync, sign } from 'node:crypto'

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n])
  const bytes: number[] = []
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

const tlv = (tag: number, ...content: Buffer[]): Buffer => {
  const body = Buffer.concat(content)
  return Buffer.concat([Buffer.from([tag]), length(body.length), body])
}
const seq = (...content: Buffer[]): Buffer => tlv(0x30, ...content)
const set = (...content: Buffer[]): Buffer => tlv(0x31, ...content)

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]]
  const bytes = [40 * a + b]
  for (const n of rest) {
    const groups: number[] = []
    let v = n
    do {
      groups.unshift(v & 0x7f)
      v = Math.floor(v / 128)
    } while (v > 0)
    for (let i = 0; i < groups.length - 1; i++) groups[i] = (groups[i] as number) | 0x80
    bytes.push(...groups)
  }
  return tlv(0x06, Buffer.from(bytes))
}

const utcTime = (date: Date): Buffer => tlv(0x17, Buffer.from(date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z'))
const name = (cn: string): Buffer => seq(set(seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(cn)))))

export interface SelfSigned {
  readonly key: string
  readonly cert: string
}

/** A certificate for `127.0.0.1` (CN and IP subjectAltName), valid from an hour ago for a day. */
export function selfSignedCertificate(): SelfSigned {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const ecdsaWithSha256 = seq(oid('1.2.840.10045.4.3.2'))
  const now = Date.now()
  const san = seq(oid('2.5.29.17'), tlv(0x04, seq(tlv(0x87, Buffer.from([127, 0, 0, 1])))))
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))), // v3
    tlv(0x02, Buffer.from([0x01, ...Array.from({ length: 8 }, () => Math.floor(Math.random() * 256))])),
    ecdsaWithSha256,
    name('127.0.0.1'),
    seq(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + 86_400_000))),
    name('127.0.0.1'),
    publicKey.export({ type: 'spki', format: 'der' }),
    tlv(0xa3, seq(san)),
  )
  const signature = sign('sha256', tbs, privateKey)
  const der = seq(tbs, ecdsaWithSha256, tlv(0x03, Buffer.from([0]), signature))
  const cert = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').trimEnd()}\n-----END CERTIFICATE-----\n`
  // Parsed and self-verified by node's own X.509 code, or this throws.
  const x509 = new X509Certificate(cert)
  if (!x509.verify(x509.publicKey) || !x509.checkIP('127.0.0.1')) throw new Error('self-signed certificate does not verify')
  return { key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, cert }
}
