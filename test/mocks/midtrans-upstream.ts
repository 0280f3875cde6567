/**
 * Mock Midtrans Core API for QRIS (payments.md section 1): POST /v2/charge, GET
 * /v2/{order_id}/status, POST /v2/{order_id}/refund/online/direct. Basic auth with the server
 * key. Notifications are sent the way Midtrans sends them: POST JSON with User-Agent Veritrans
 * and signature_key = SHA512(order_id + status_code + gross_amount + server key).
 * Also exports a QRIS (EMVCo MPM) payload builder and validator (payments.md section 3).
 */
import { createHash, randomUUID } from 'node:crypto';

// ---- QRIS payloads ----

export function crc16(s: string): string {
  let c = 0xffff;
  for (const b of Buffer.from(s, 'utf8')) {
    c ^= b << 8;
    for (let i = 0; i < 8; i++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
  }
  return c.toString(16).toUpperCase().padStart(4, '0');
}

const tlv = (tag: string, value: string) => tag + String(value.length).padStart(2, '0') + value;

/** A dynamic QRIS payload for a fake merchant, amount in tag 54, CRC in tag 63. */
export function qrisPayload(amountIdr: number, reference: string, guid = 'ID.CO.EXAMPLE.WWW'): string {
  const body =
    tlv('00', '01') +
    tlv('01', '12') +
    tlv('26', tlv('00', guid) + tlv('01', '936000000000000001') + tlv('02', 'EX0000000001') + tlv('03', 'UMI')) +
    tlv('51', tlv('00', 'ID.CO.QRIS.WWW') + tlv('02', 'ID1020000000001') + tlv('03', 'UMI')) +
    tlv('52', '5734') +
    tlv('53', '360') +
    tlv('54', String(amountIdr)) +
    tlv('58', 'ID') +
    tlv('59', 'LLM GATEWAY TEST') +
    tlv('60', 'JAKARTA') +
    tlv('61', '10110') +
    tlv('62', tlv('01', reference.slice(0, 25)) + tlv('07', 'WEB'));
  return body + '6304' + crc16(body + '6304');
}

/** The validator checklist of payments.md section 3; returns the problems found (none = valid). */
export function qrisProblems(payload: string, expectedAmount: number): string[] {
  const problems: string[] = [];
  if (!payload.startsWith('000201')) problems.push('does not start with 000201');
  const tags = new Map<string, string>();
  const order: string[] = [];
  let i = 0;
  while (i < payload.length) {
    const tag = payload.slice(i, i + 2);
    const len = Number(payload.slice(i + 2, i + 4));
    if (!/^\d{2}$/.test(tag) || !Number.isInteger(len) || i + 4 + len > payload.length) {
      problems.push(`bad TLV at ${i}`);
      return problems;
    }
    tags.set(tag, payload.slice(i + 4, i + 4 + len));
    order.push(tag);
    i += 4 + len;
  }
  if (order.at(-1) !== '63' || tags.get('63')?.length !== 4) problems.push('63 is not the last tag with length 04');
  if (crc16(payload.slice(0, -4)) !== payload.slice(-4)) problems.push('CRC mismatch');
  if (tags.has('54') && tags.get('01') !== '12') problems.push('amount present but not dynamic (01 != 12)');
  if (tags.get('53') !== '360') problems.push('currency is not 360');
  if (tags.get('58') !== 'ID') problems.push('country is not ID');
  if (tags.get('54') !== String(expectedAmount)) problems.push(`amount ${tags.get('54')} != ${expectedAmount}`);
  const merchantTemplate = order.some((t) => Number(t) >= 26 && Number(t) <= 45);
  if (!(tags.get('51') ?? '').includes('ID.CO.QRIS.WWW') && !merchantTemplate) problems.push('no QRIS domain or merchant template');
  return problems;
}

// ---- Midtrans ----

export type MidtransStatus = 'pending' | 'settlement' | 'expire' | 'cancel' | 'deny' | 'refund' | 'partial_refund';

const STATUS_CODE: Record<MidtransStatus, string> = {
  pending: '201',
  settlement: '200',
  expire: '202',
  cancel: '202',
  deny: '202',
  refund: '200',
  partial_refund: '200',
};

export interface MidtransTransaction {
  orderId: string;
  transactionId: string;
  grossAmount: string;
  status: MidtransStatus;
  transactionTime: string;
  settlementTime: string | null;
  qrString: string;
  refunds: { refundKey: string; amount: number }[];
}

export interface MidtransMock {
  url: string;
  serverKey: string;
  merchantId: string;
  transactions: Map<string, MidtransTransaction>;
  requests: { method: string; path: string; headers: Record<string, string>; body: unknown }[];
  /** Where notifications go (the dashboard setting); X-Override-Notification wins per charge. */
  notificationUrl: string | null;
  /** When true the status API answers 500 (the provider is having a bad day). */
  failStatus: boolean;
  /** A signed notification body for the transaction in `status`, with overrides applied before signing. */
  notification(orderId: string, status: MidtransStatus, overrides?: Record<string, string>): Record<string, string>;
  /** POSTs a body (object or raw string) to the notification URL like Midtrans does. */
  send(body: Record<string, string> | string): Promise<Response>;
  /** Moves the transaction to `status` (as if the payer scanned, or the QR expired) and notifies. */
  transition(orderId: string, status: MidtransStatus): Promise<Response | null>;
  stop(): Promise<void>;
}

function wib(d: Date): string {
  return new Date(d.getTime() + 7 * 3600_000).toISOString().replace('T', ' ').slice(0, 19);
}

export function midtransSign(orderId: string, statusCode: string, grossAmount: string, serverKey: string): string {
  return createHash('sha512').update(orderId + statusCode + grossAmount + serverKey).digest('hex');
}

export async function startMidtransMock(opts: { serverKey?: string; merchantId?: string } = {}): Promise<MidtransMock> {
  const serverKey = opts.serverKey ?? 'SB-Mid-server-TEST_ONLY_not_a_real_key';
  const merchantId = opts.merchantId ?? 'G000000000';
  const transactions = new Map<string, MidtransTransaction>();
  const requests: MidtransMock['requests'] = [];
  const overrideUrls = new Map<string, string>();
  const auth = 'Basic ' + Buffer.from(serverKey + ':').toString('base64');

  const bodyOf = (tx: MidtransTransaction, status: MidtransStatus, overrides: Record<string, string> = {}): Record<string, string> => {
    const body: Record<string, string> = {
      transaction_time: tx.transactionTime,
      transaction_status: status,
      transaction_id: tx.transactionId,
      status_message: 'midtrans payment notification',
      status_code: STATUS_CODE[status],
      payment_type: 'qris',
      order_id: tx.orderId,
      merchant_id: merchantId,
      gross_amount: tx.grossAmount,
      fraud_status: 'accept',
      currency: 'IDR',
      acquirer: 'gopay',
      ...(status === 'settlement' ? { settlement_time: tx.settlementTime ?? wib(new Date()), issuer: 'dana', transaction_type: 'off-us' } : {}),
      ...overrides,
    };
    body.signature_key = overrides.signature_key ?? midtransSign(body.order_id!, body.status_code!, body.gross_amount!, serverKey);
    return body;
  };

  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req): Promise<Response> {
      const path = new URL(req.url).pathname;
      const headers: Record<string, string> = {};
      req.headers.forEach((v, k) => (headers[k] = v));
      const raw = await req.text();
      let body: unknown = null;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        body = raw;
      }
      requests.push({ method: req.method, path, headers, body });
      if (headers.authorization !== auth) return json(401, { status_code: '401', status_message: 'Unknown Merchant server_key/id' });

      if (req.method === 'POST' && path === '/v2/charge') {
        const b = body as { payment_type?: string; transaction_details?: { order_id?: string; gross_amount?: number } };
        const orderId = b?.transaction_details?.order_id;
        const amount = b?.transaction_details?.gross_amount;
        if (b?.payment_type !== 'qris' || typeof orderId !== 'string' || typeof amount !== 'number') {
          return json(200, { status_code: '400', status_message: 'One or more parameters in the payload is invalid.' });
        }
        if (transactions.has(orderId)) return json(200, { status_code: '406', status_message: 'The request could not be completed due to a conflict with the current state of the target resource, please try again' });
        const tx: MidtransTransaction = {
          orderId,
          transactionId: randomUUID(),
          grossAmount: `${amount}.00`,
          status: 'pending',
          transactionTime: wib(new Date()),
          settlementTime: null,
          qrString: qrisPayload(amount, orderId),
          refunds: [],
        };
        transactions.set(orderId, tx);
        if (headers['x-override-notification']) overrideUrls.set(orderId, headers['x-override-notification']);
        const base: string = new URL(req.url).origin;
        return json(200, {
          status_code: '201',
          status_message: 'QRIS transaction is created',
          transaction_id: tx.transactionId,
          order_id: orderId,
          merchant_id: merchantId,
          gross_amount: tx.grossAmount,
          currency: 'IDR',
          payment_type: 'qris',
          transaction_time: tx.transactionTime,
          transaction_status: 'pending',
          fraud_status: 'accept',
          acquirer: 'gopay',
          actions: [
            { name: 'generate-qr-code', method: 'GET', url: `${base}/v2/qris/${tx.transactionId}/qr-code` },
            { name: 'generate-qr-code-v2', method: 'GET', url: `${base}/v4/qris/${tx.transactionId}/qr-code` },
          ],
          qr_string: tx.qrString,
        });
      }
      const status = /^\/v2\/([^/]+)\/status$/.exec(path);
      if (req.method === 'GET' && status) {
        if (mock.failStatus) return json(500, { status_code: '500', status_message: 'Sorry, we encountered internal server error.' });
        const id = decodeURIComponent(status[1]!);
        const tx = transactions.get(id) ?? [...transactions.values()].find((t) => t.transactionId === id);
        if (!tx) return json(200, { status_code: '404', status_message: "Transaction doesn't exist." });
        return json(200, { ...bodyOf(tx, tx.status), status_message: 'Success, transaction is found' });
      }
      const refund = /^\/v2\/([^/]+)\/refund\/online\/direct$/.exec(path);
      if (req.method === 'POST' && refund) {
        const tx = transactions.get(decodeURIComponent(refund[1]!));
        const b = body as { refund_key?: string; amount?: number };
        if (!tx || (tx.status !== 'settlement' && tx.status !== 'partial_refund')) return json(200, { status_code: '412', status_message: 'Transaction status cannot be updated.' });
        if (tx.refunds.some((r) => r.refundKey === b.refund_key)) return json(200, { status_code: '406', status_message: 'Duplicate refund ID' });
        tx.refunds.push({ refundKey: String(b.refund_key), amount: Number(b.amount) });
        const refunded = tx.refunds.reduce((s, r) => s + r.amount, 0);
        tx.status = refunded >= Number(tx.grossAmount.split('.')[0]) ? 'refund' : 'partial_refund';
        return json(200, { status_code: '200', status_message: 'Success, refund request is approved', refund_key: b.refund_key, refund_amount: `${b.amount}.00`, refund_chargeback_id: tx.refunds.length });
      }
      return json(404, { status_code: '404', status_message: 'not found' });
    },
  });

  const mock: MidtransMock = {
    url: `http://127.0.0.1:${server.port}`,
    serverKey,
    merchantId,
    transactions,
    requests,
    notificationUrl: null,
    failStatus: false,
    notification(orderId, status, overrides) {
      const tx = transactions.get(orderId);
      if (!tx) throw new Error(`mock midtrans: no transaction ${orderId}`);
      return bodyOf(tx, status, overrides);
    },
    async send(body) {
      const orderId = typeof body === 'string' ? null : body.order_id;
      const url = (orderId && overrideUrls.get(orderId)) || mock.notificationUrl;
      if (!url) throw new Error('mock midtrans: no notification URL');
      return fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Veritrans' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    },
    async transition(orderId, status) {
      const tx = transactions.get(orderId);
      if (!tx) throw new Error(`mock midtrans: no transaction ${orderId}`);
      tx.status = status;
      if (status === 'settlement') tx.settlementTime = wib(new Date());
      if (!mock.notificationUrl && !overrideUrls.has(orderId)) return null;
      return mock.send(bodyOf(tx, status));
    },
    async stop() {
      await server.stop(true);
    },
  };
  return mock;
}
