-- 022: opening-balance invoices (docs/import.md, "balances").
--
-- invoices.opening_balance  1 on an invoice brought over from another system
--                 by an import: an open claim on the customer whose amount was
--                 earned there, so its finalization posts receivables against
--                 adjustments (the opening-balance account) instead of revenue
--                 and VAT, and its void posts the mirror. It keeps the old
--                 system's payment reference, so the bank's payment of it
--                 matches.
ALTER TABLE invoices ADD COLUMN opening_balance INTEGER; -- NULL: not one (every other invoice)
