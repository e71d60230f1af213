// Test instruments for the engine suites, installed only in the test's own database.
import type { Database } from '@/db/client';

/**
 * A guard that makes any attempt to set delivery or retention to anything but 'false' fail,
 * even inside a transaction that would roll back: with it installed, a passing recipe has
 * provably never opened them.
 */
export async function installDeliveryRetentionGuard(db: Database): Promise<void> {
  await db.exec(`
    CREATE OR REPLACE FUNCTION test_guard_delivery_retention() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.key IN ('iu_core.delivery_enabled', 'iu_core.retention_enabled') AND NEW.value <> 'false' THEN
        RAISE EXCEPTION 'test guard: something tried to open %', NEW.key;
      END IF;
      RETURN NEW;
    END $$;
    DROP TRIGGER IF EXISTS test_guard_delivery_retention ON dot_config;
    CREATE TRIGGER test_guard_delivery_retention BEFORE INSERT OR UPDATE ON dot_config
      FOR EACH ROW EXECUTE FUNCTION test_guard_delivery_retention();`);
}

/**
 * Makes inserts into `table` raise when `condition` (an expression over NEW) holds: a way to
 * make a substrate function fail midway, after it has already written something.
 */
export async function failInsertsWhen(db: Database, table: string, condition: string): Promise<() => Promise<void>> {
  const name = `test_fail_${table}`;
  await db.exec(`
    CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF ${condition} THEN
        RAISE EXCEPTION 'test failure injected into %', TG_TABLE_NAME;
      END IF;
      RETURN NEW;
    END $$;
    DROP TRIGGER IF EXISTS ${name} ON ${table};
    CREATE TRIGGER ${name} BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION ${name}();`);
  return async () => {
    await db.exec(`DROP TRIGGER IF EXISTS ${name} ON ${table}; DROP FUNCTION IF EXISTS ${name}();`);
  };
}
