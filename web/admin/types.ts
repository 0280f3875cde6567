// The admin API's JSON shapes the panel reads (see openapi/admin.json). Integers are micro-
// credits or rupiah; *_price / *_credits numbers are for display only.
import type { UsageRow } from "../../db/reports.ts";

export interface ModelJson {
  id: string;
  display_name: string;
  class: string;
  context_window: number;
  max_output: number;
  prices_micro: { input: number; output: number; cache_read: number; cache_write: number };
  flags: string[];
  status: string;
  version: number;
  created_at: string;
}

export interface DeploymentJson {
  id: string;
  model_id: string;
  provider_id: string;
  upstream_model: string;
  priority: number;
  weight: number;
}

export interface PriceHistoryJson {
  version: number;
  input_price: number;
  output_price: number;
  cache_read_price: number;
  cache_write_price: number;
  flags: string[];
  status: string;
  actor: string;
  changed_at: string;
}

export interface ModelDetailJson extends ModelJson {
  deployments: DeploymentJson[];
  price_history: PriceHistoryJson[];
}

export interface CircuitJson {
  deployment: string;
  state: "closed" | "open" | "half_open";
  until: string | null;
  recent_failures: number;
}

export interface ProviderJson {
  id: string;
  kind: string;
  base_url: string;
  has_api_key: boolean;
  created_at: string;
}

export interface PlanJson {
  id: string;
  name: string;
  price_idr: number;
  period_days: number;
  period_months: number;
  included_micro: number;
  rpm: number;
  concurrency: number;
  spend_cap_credits: number;
  spend_window_seconds: number;
  is_trial: boolean;
  status: string;
}

export interface PackJson {
  id: string;
  name: string;
  price_idr: number;
  credits: number;
  status: string;
}

export interface SubscriptionJson {
  id: string;
  plan_id: string;
  status: string;
  is_trial: boolean;
  period_start: string;
  period_end: string;
  paid_idr: number;
  cancel_at_period_end: boolean;
}

export interface UserJson {
  id: string;
  email: string | null;
  name: string | null;
  balance_micro: number;
  plan_id: string | null;
  plan_status: string | null;
  created_at: string;
}

export interface UserDetailJson extends UserJson {
  subscription: SubscriptionJson | null;
  next_subscription: SubscriptionJson | null;
}

export interface KeyJson {
  id: string;
  user_id: string;
  prefix: string;
  name: string | null;
  status: string;
  rpm: number | null;
  concurrency: number | null;
  allowed_models: string[] | null;
  created_at: string;
  revoked_at: string | null;
}

export interface OrderJson {
  id: string;
  kind: string;
  status: string;
  amount_idr: number;
  plan_id: string | null;
  pack_id: string | null;
  provider: string;
  expires_at: string | null;
  paid_at: string | null;
  flagged: boolean;
  refunded_idr: number;
  invoice_number: string | null;
  receipt_number: string | null;
  created_at: string;
}

export interface OrderDetailJson extends OrderJson {
  user_id: string;
  flag_reason: string | null;
  provider_charge_id: string | null;
  provider_payment_id: string | null;
}

export interface InvoiceJson {
  number: string;
  kind: string;
  status: string;
  user_id: string;
  order_id: string | null;
  refers_to: string | null;
  subtotal_idr: number;
  tax_idr: number;
  total_idr: number;
  issued_at: string;
  paid_at: string | null;
}

export interface AuditJson {
  id: number;
  actor: string;
  action: string;
  target: string | null;
  before: unknown;
  after: unknown;
  at: string;
}

/** A row of GET /admin/v1/usage: the report's own row, named by its group key. */
export type UsageRowJson = UsageRow & { key: string };

export interface UsageJson {
  group_by: string;
  from: string;
  to: string;
  tz: string;
  rows: UsageRowJson[];
  totals: Omit<UsageRowJson, "key">;
}

export interface ListJson<T> {
  data: T[];
}
