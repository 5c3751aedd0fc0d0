-- The buyer's drawn signature on collecting the property certificate (房产证…
-- 严格验明身份并让其签字领取), as every other register's signature: a PNG, when
-- the page could draw one; the typed name stays in cert_signed_by.
ALTER TABLE sales_contracts ADD COLUMN cert_signature_png BYTEA;
