/**
 * Mock Xendit QR Codes API v2 (payments.md section 2): POST /qr_codes, GET /qr_codes/{id},
 * GET /qr_codes/{id}/payments, POST /qr_codes/{id}/payments/simulate (fires the callback, as
 * in test mode), POST /qr_codes/payments/{qrpy_id}/refunds. Basic auth with the secret key
 * and the api-version header. Callbacks carry x-callback-token, never a signature.
 */
import { randomBytes } from 'node:crypto';
import { qrisPayload } from './midtrans-upstream.ts';

export interface XenditQr {
  id: string;
  referenceId: string;
  amount: number;
  currency: string;
  status: 'ACTIVE' | 'INACTIVE';
  qrString: string;
  expiresAt: string;
  created: string;
  payments: XenditPayment[];
}

export interface XenditPayment {
  id: string;
  qrId: string;
  referenceId: string;
  amount: number;
  currency: string;
  status: 'SUCCEEDED';
  created: string;
  refunds: { id: string; amount: number; referenceId: string | null }[];
}

export interface XenditMock {
  url: string;
  secretKey: string;
  callbackToken: string;
  qrs: Map<string, XenditQr>;
  requests: { method: string; path: string; headers: Record<string, string>; body: unknown }[];
  callbackUrl: string | null;
  /** The v2 qr.payment callback body for a payment. */
  callbackBody(payment: XenditPayment, overrides?: Record<string, unknown>): Record<string, unknown>;
  /** Legacy v1 (flat) callback body. */
  callbackBodyV1(payment: XenditPayment): Record<string, unknown>;
  send(body: Record<string, unknown> | string, token?: string | null): Promise<Response>;
  /** Pays the QR of an order (by reference id) and sends the callback; returns the payment. */
  /** `notify: false` records the payment without sending the callback (tests send it themselves). */
  pay(referenceId: string, amount?: number, notify?: boolean): Promise<{ payment: XenditPayment; response: Response | null }>;
  qrByReference(referenceId: string): XenditQr | undefined;
  stop(): Promise<void>;
}

const id = (prefix: string) => prefix + randomBytes(12).toString('hex');

export async function startXenditMock(opts: { secretKey?: string; callbackToken?: string } = {}): Promise<XenditMock> {
  const secretKey = opts.secretKey ?? 'xnd_development_TEST_ONLY';
  const callbackToken = opts.callbackToken ?? 'test-token-123';
  const businessId = '58cd618ba0464eb64acdb246';
  const qrs = new Map<string, XenditQr>();
  const requests: XenditMock['requests'] = [];
  const auth = 'Basic ' + Buffer.from(secretKey + ':').toString('base64');
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const paymentJson = (p: XenditPayment) => ({
    id: p.id,
    business_id: businessId,
    currency: p.currency,
    amount: p.amount,
    status: p.status,
    created: p.created,
    qr_id: p.qrId,
    reference_id: p.referenceId,
    type: 'DYNAMIC',
    channel_code: 'ID_DANA',
  });
  const qrJson = (q: XenditQr) => ({
    id: q.id,
    reference_id: q.referenceId,
    business_id: businessId,
    type: 'DYNAMIC',
    currency: q.currency,
    amount: q.amount,
    channel_code: 'ID_DANA',
    status: q.status,
    qr_string: q.qrString,
    expires_at: q.expiresAt,
    created: q.created,
    updated: q.created,
    metadata: null,
  });

  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
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
      if (headers.authorization !== auth) return json(401, { error_code: 'INVALID_API_KEY', message: 'API key is not authorized for this API service' });
      if (req.method === 'POST' && path === '/qr_codes') {
        if (headers['api-version'] !== '2022-07-31') return json(400, { error_code: 'API_VALIDATION_ERROR', message: 'api-version header is required' });
        const b = body as { reference_id?: string; amount?: number; currency?: string; type?: string; expires_at?: string };
        if (typeof b?.reference_id !== 'string' || typeof b.amount !== 'number' || b.type !== 'DYNAMIC') return json(400, { error_code: 'API_VALIDATION_ERROR', message: 'invalid' });
        const existing = [...qrs.values()].find((q) => q.referenceId === b.reference_id);
        if (existing) return json(200, qrJson(existing));
        const q: XenditQr = {
          id: id('qr_'),
          referenceId: b.reference_id,
          amount: b.amount,
          currency: b.currency ?? 'IDR',
          status: 'ACTIVE',
          qrString: qrisPayload(b.amount, b.reference_id, 'CO.XENDIT.WWW'),
          expiresAt: b.expires_at ?? new Date(Date.now() + 48 * 3600_000).toISOString(),
          created: new Date().toISOString(),
          payments: [],
        };
        qrs.set(q.id, q);
        return json(201, qrJson(q));
      }
      const payments = /^\/qr_codes\/([^/]+)\/payments$/.exec(path);
      if (req.method === 'GET' && payments) {
        const q = qrs.get(decodeURIComponent(payments[1]!));
        if (!q) return json(404, { error_code: 'DATA_NOT_FOUND', message: 'QR code not found' });
        return json(200, { data: q.payments.map(paymentJson), has_more: false });
      }
      const simulate = /^\/qr_codes\/([^/]+)\/payments\/simulate$/.exec(path);
      if (req.method === 'POST' && simulate) {
        const q = qrs.get(decodeURIComponent(simulate[1]!));
        if (!q) return json(404, { error_code: 'DATA_NOT_FOUND', message: 'QR code not found' });
        const r = await pay(q, (body as { amount?: number })?.amount ?? q.amount);
        return json(200, paymentJson(r.payment));
      }
      const refund = /^\/qr_codes\/payments\/([^/]+)\/refunds$/.exec(path);
      if (req.method === 'POST' && refund) {
        const p = [...qrs.values()].flatMap((q) => q.payments).find((x) => x.id === decodeURIComponent(refund[1]!));
        if (!p) return json(404, { error_code: 'DATA_NOT_FOUND', message: 'payment not found' });
        const b = body as { amount?: number; reference_id?: string };
        const key = headers['idempotency-key'] ?? b.reference_id ?? null;
        const dup = p.refunds.find((r) => key !== null && r.referenceId === key);
        if (dup) return json(200, { id: dup.id, status: 'SUCCEEDED', amount: dup.amount });
        const r = { id: id('qrrf_'), amount: b.amount ?? p.amount, referenceId: key };
        p.refunds.push(r);
        return json(200, { id: r.id, status: 'SUCCEEDED', amount: r.amount, payment_id: p.id });
      }
      const qr = /^\/qr_codes\/([^/]+)$/.exec(path);
      if (req.method === 'GET' && qr) {
        const q = qrs.get(decodeURIComponent(qr[1]!));
        return q ? json(200, qrJson(q)) : json(404, { error_code: 'DATA_NOT_FOUND', message: 'QR code not found' });
      }
      return json(404, { error_code: 'NOT_FOUND', message: 'not found' });
    },
  });

  async function pay(q: XenditQr, amount: number, notify = true): Promise<{ payment: XenditPayment; response: Response | null }> {
    const payment: XenditPayment = { id: id('qrpy_'), qrId: q.id, referenceId: q.referenceId, amount, currency: q.currency, status: 'SUCCEEDED', created: new Date().toISOString(), refunds: [] };
    q.payments.push(payment);
    q.status = 'INACTIVE';
    const response = notify && mock.callbackUrl ? await mock.send(mock.callbackBody(payment)) : null;
    return { payment, response };
  }

  const mock: XenditMock = {
    url: `http://127.0.0.1:${server.port}`,
    secretKey,
    callbackToken,
    qrs,
    requests,
    callbackUrl: null,
    callbackBody(p, overrides = {}) {
      return {
        event: 'qr.payment',
        api_version: '2022-07-31',
        business_id: businessId,
        created: new Date().toISOString(),
        data: {
          id: p.id,
          business_id: businessId,
          currency: p.currency,
          amount: p.amount,
          status: p.status,
          created: p.created,
          qr_id: p.qrId,
          qr_string: qrs.get(p.qrId)?.qrString ?? '',
          reference_id: p.referenceId,
          type: 'DYNAMIC',
          channel_code: 'ID_DANA',
          expires_at: qrs.get(p.qrId)?.expiresAt ?? null,
          description: '',
          basket: null,
          metadata: null,
          payment_detail: { receipt_id: '000000000000', source: 'GOPAY', name: null, account_details: null },
          ...overrides,
        },
      };
    },
    callbackBodyV1(p) {
      const q = qrs.get(p.qrId);
      return {
        event: 'qr.payment',
        id: p.id,
        amount: p.amount,
        created: p.created,
        status: 'COMPLETED',
        qr_code: { id: p.qrId, external_id: p.referenceId, qr_string: q?.qrString ?? '', type: 'DYNAMIC' },
        payment_details: { source: 'DANA', receipt_id: '000000000000' },
      };
    },
    async send(body, token = callbackToken) {
      if (!mock.callbackUrl) throw new Error('mock xendit: no callback URL');
      const headers: Record<string, string> = { 'content-type': 'application/json', 'webhook-id': id('wh_') };
      if (token !== null) headers['x-callback-token'] = token;
      return fetch(mock.callbackUrl, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
    },
    async pay(referenceId, amount, notify = true) {
      const q = mock.qrByReference(referenceId);
      if (!q) throw new Error(`mock xendit: no QR for ${referenceId}`);
      return pay(q, amount ?? q.amount, notify);
    },
    qrByReference(referenceId) {
      return [...qrs.values()].find((q) => q.referenceId === referenceId);
    },
    async stop() {
      await server.stop(true);
    },
  };
  return mock;
}
