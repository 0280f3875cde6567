-- The plans of the product page (seeds/000): a 7-day free trial, then Explore / Ship /
-- Can't Stop, monthly, prices in tax-inclusive rupiah; and three credit packs. Inserted once:
-- operators' edits through the admin API are never overwritten.
-- Credits are micro-credits: 1 credit = 1000000. Spend windows are 5 hours.
INSERT INTO plans (id, name, price_idr, period_months, period_days, included_micro, rpm, concurrency, spend_cap_micro, spend_window_seconds, is_trial, sort)
VALUES
  ('trial',     'Trial',      0,      0, 7,  100000000,  20,   2,  50000000,   18000, true,  0),
  ('explore',   'Explore',    149000, 1, 30, 1000000000, 60,   5,  300000000,  18000, false, 1),
  ('ship',      'Ship',       299000, 1, 30, 2200000000, 300,  15, 1000000000, 18000, false, 2),
  ('cant-stop', 'Can''t Stop', 799000, 1, 30, 6500000000, 1000, 40, 0,          18000, false, 3)
ON CONFLICT (id) DO NOTHING;

INSERT INTO credit_packs (id, name, price_idr, credits_micro, sort)
VALUES
  ('pack-50k',  '320 credits',   50000,  320000000,  1),
  ('pack-150k', '1,000 credits', 150000, 1000000000, 2),
  ('pack-500k', '3,500 credits', 500000, 3500000000, 3)
ON CONFLICT (id) DO NOTHING;
