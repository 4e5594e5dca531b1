-- Every change to the live checkpoints sends a notification on channel 'read_models'. The
-- projector moves (or at least locks-and-inserts) its checkpoints in every batch's transaction,
-- and a replay swap moves them in its own, so a notification is sent by exactly the transactions
-- that change the live read models, and PostgreSQL delivers it when that transaction commits:
-- never before the change is visible. The API LISTENs and drops its cached answers on each one
-- (api/read_model_version.ts). A statement-level trigger sends one per statement, and PostgreSQL
-- folds identical notifications of one transaction into one. Shadow schemas of a rebuild copy the
-- table with LIKE, which copies no trigger, so rebuilding does not disturb the cache until the
-- swap.
CREATE OR REPLACE FUNCTION notify_read_models() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('read_models', '');
  RETURN NULL;
END
$$;

CREATE TRIGGER projection_checkpoints_notify
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON public.projection_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION notify_read_models();
