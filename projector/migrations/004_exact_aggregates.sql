-- Energy and milliwatt sums as numeric: exact and without an upper bound. bigint overflowed at
-- 9.2e18 µJ (a 1 MW machine reaches it in about 3.5 months), and one event past it failed every
-- later event of its machine. The API reads them as float8 for JSON.
ALTER TABLE machines ALTER COLUMN energy_uj TYPE numeric;
ALTER TABLE power_minutes ALTER COLUMN energy_uj TYPE numeric, ALTER COLUMN sum_mw TYPE numeric;
