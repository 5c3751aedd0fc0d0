ALTER TABLE sales_contracts DROP COLUMN cert_signature_png;
