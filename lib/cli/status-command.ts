// `iu status`: the database, its migrations, counts and open gates, read-only.
import type { Command } from 'commander';
import type { Database } from '@/db/client';
import { migrationStatus } from '@/db/migrate';
import { readGates } from '@/lib/recipes';
import { EXIT } from './errors';
import { fmtCounts, fmtDate, record, table } from './format';
import { action } from './program';
import { gateLeakLine } from './render';

async function tableExists(db: Database, name: string): Promise<boolean> {
  const [r] = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [name]);
  return r.ok;
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('database, migrations, counts of templates, instances and events, open gates')
    .action(
      action<object>('status', { acts: false }, async (run) => {
        const { db, io } = run;
        const migrations = await migrationStatus(db);
        const applied = migrations.filter((m) => m.applied);
        const pending = migrations.filter((m) => !m.applied).map((m) => `${m.version}_${m.name}`);
        const drifted = migrations.filter((m) => m.drifted).map((m) => `${m.version}_${m.name}`);
        const has = {
          gates: await tableExists(db, 'dot_config'),
          collections: await tableExists(db, 'iu_piece_collection'),
          versions: await tableExists(db, 'iu_template_version'),
          log: await tableExists(db, 'iu_auto_instantiate_event_log'),
          archive: await tableExists(db, 'iu_auto_instantiate_event_log_archive_033'),
          observability: await tableExists(db, 'v_iu_template_observability'),
        };
        const gates = has.gates ? await readGates(db) : [];
        const counts: Record<string, number | string | null> = {};
        if (has.collections && has.versions) {
          const [c] = await db.query<{
            templates: number;
            live: number;
            dry_run: number;
            families: number;
            pieces: number;
          }>(`
            SELECT count(*) FILTER (WHERE is_template)::int AS templates,
                   count(*) FILTER (WHERE instance_emit_mode = 'live')::int AS live,
                   count(*) FILTER (WHERE instance_emit_mode = 'dry_run')::int AS dry_run,
                   (SELECT count(DISTINCT template_family) FROM iu_template_version)::int AS families,
                   (SELECT count(*) FROM information_unit)::int AS pieces
              FROM iu_piece_collection`);
          Object.assign(counts, {
            templates: c.templates,
            templateFamilies: c.families,
            pieces: c.pieces,
            liveInstances: c.live,
            dryRunInstances: c.dry_run,
          });
        }
        let events: Record<string, unknown> | null = null;
        if (has.log) {
          const [e] = await db.query<{ rows: number; rolled_back: number; actors: number; last_at: Date | null }>(`
            SELECT count(*)::int AS rows, count(rolled_back_at)::int AS rolled_back,
                   count(DISTINCT triggered_by)::int AS actors, max(created_at) AS last_at
              FROM iu_auto_instantiate_event_log`);
          const byStatus = await db.query<{ status: string; n: number }>(
            'SELECT status, count(*)::int AS n FROM iu_auto_instantiate_event_log GROUP BY status',
          );
          events = {
            rows: e.rows,
            rolledBack: e.rolled_back,
            actors: e.actors,
            lastAt: e.last_at,
            byStatus: Object.fromEntries(byStatus.map((r) => [r.status, r.n])),
          };
        }
        const templates = has.observability
          ? await db.query<Record<string, unknown>>(`
              SELECT collection_key, template_label, version_label, active_piece_count,
                     live_instance_count, dry_run_instance_count, last_instantiated_at
                FROM v_iu_template_observability ORDER BY collection_key`)
          : [];
        const openGates = gates.filter((g) => g.open).map((g) => g.key);

        io.result({
          command: 'status',
          ok: true,
          database: db.label,
          kind: db.kind,
          migrations: { applied: applied.length, total: migrations.length, pending, drifted, list: migrations },
          counts,
          events,
          eventLogArchived: has.archive,
          openGates,
          templates,
        });
        io.out(`Database: ${db.label}`);
        io.out(
          `Migrations: ${applied.length} of ${migrations.length} applied` +
            (pending.length ? `; pending ${pending.join(', ')} (run npm run db:migrate)` : '') +
            (drifted.length ? `; CHANGED since applied: ${drifted.join(', ')}` : ''),
        );
        if (!has.collections) {
          io.out('The iu_core schema is not there yet: run npm run db:migrate (and npm run db:seed for demo data).');
          return EXIT.ok;
        }
        io.out(openGates.length ? gateLeakLine(gates)! : `Gates: all ${gates.length} closed.`);
        if (!has.log) {
          io.out(
            `Auto-instantiate is off: migration 033 is not applied${has.archive ? ' (rolled back; its event log is kept as iu_auto_instantiate_event_log_archive_033)' : ''}. npm run db:migrate restores it.`,
          );
        }
        io.out(
          record([
            ['templates', counts.templates],
            ['template families', counts.templateFamilies],
            ['pieces', counts.pieces],
            ['live instances', counts.liveInstances],
            ['dry_run instances', counts.dryRunInstances],
            ['event-log rows', events ? events.rows : 'n/a (033 not applied)'],
            ['  by status', events ? fmtCounts(events.byStatus as Record<string, number>) : null],
            ['  rolled back', events ? events.rolledBack : null],
            ['  actors', events ? events.actors : null],
            ['  last event', events ? fmtDate(events.lastAt as Date | null) : null],
          ]),
        );
        if (templates.length) {
          io.out(
            table(
              ['template', 'label', 'version', 'pieces', 'live', 'dry_run', 'last instantiated'],
              templates.map((t) => [
                t.collection_key,
                t.template_label,
                t.version_label,
                t.active_piece_count,
                t.live_instance_count,
                t.dry_run_instance_count,
                t.last_instantiated_at,
              ]),
            ),
          );
        }
        return EXIT.ok;
      }),
    );
}
