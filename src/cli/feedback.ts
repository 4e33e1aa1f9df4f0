/**
 * `askfirst feedback …`: the human-feedback workbench.
 *   serve       run the workbench (API + UI) on PGlite (--db-dir) or PostgreSQL (DATABASE_URL)
 *   annotator   add an annotator and print their token (shown once); --list, --revoke, --new-token
 *   status      projects and their labelling progress
 *   import      fill a project from a suite (--suite DIR) or from demo scenes (--demo N)
 *   agreement   Cohen's / Fleiss' κ per task
 *   export      JSONL for TRL's SFT (accepted rationales) or DPO (preferences) trainers
 *   illume      ILLUME's rationale loop with the automatic critic or people in the workbench
 * With PGlite only one process may open the data directory at a time: stop `serve` before
 * `import`/`export`, or use PostgreSQL. `illume --critic workbench` serves the workbench itself.
 */
import { serveUntilStopped, StoppableJob, stoppable } from './signals.js';
import { refuseToOverwrite } from './overwrite.js';
import { dirname, posix, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { createPolicy } from '../agents/registry.js';
import { taskAgreement } from '../feedback/agreement.js';
import { drawDemoEpisodes } from '../feedback/demo-scenes.js';
import { exportDpo, exportSft, toJsonl } from '../feedback/export.js';
import { autoCritic, episodeRationaleItems, runIllume, type Critic } from '../feedback/illume.js';
import { createDemoProject, importReplied, projectForImages } from '../feedback/importer.js';
import { describeItems, type ImageEncoder, type RationaleItem } from '../feedback/rationale-scorer.js';
import { loadBuiltinEncoder } from '../feedback/builtin-encoder.js';
import { resolveImage } from '../feedback/paths.js';
import { newDatabaseLine, openingLine } from '../feedback/db-dir.js';
import type { AnnotatorInfo } from '../feedback/store.js';
import { TASK_TYPES, type TaskType } from '../feedback/tasks.js';
import { workbenchCritic } from '../feedback/workbench-critic.js';
import type { Episode } from '../episode/types.js';
import { readImageFile } from '../scenes/codec.js';
import { AUTH_CACHE_MS } from '../server/workbench/app.js';
import { startServer } from '../server/workbench/workbench.js';
import { isLoopbackHost } from '../server/host-check.js';
import { suiteEpisodes } from '../suite/io.js';
import { describeError, InputError, NotFoundError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fsx.js';
import { yieldToEventLoop } from '../util/yield.js';
import { SceneRng } from '../util/rng.js';
import { configFromOptions, refuseUnread } from './options.js';
import { AgreementSchema, AnnotatorSchema, ExportSchema, IllumeSchema, ImportSchema, ServeSchema, StatusSchema } from './feedback-schema.js';
import { MISSING } from '../util/missing.js';
import { toStderr, type Note } from './feedback-notes.js';
import { inStore } from './feedback-store.js';
import { percent } from '../util/percent.js';
import { progress, withBar } from '../util/progress.js';

const silent: Note = () => undefined;

/**
 * Episodes of a suite with views as paths relative to the suite directory, in the plain form the
 * workbench stores and serves (`./images/a.png` → `images/a.png`), each checked to be a file inside
 * the suite folder as the workbench will resolve it (a linked images/ leading out of it is not), so
 * a suite eval reads but the workbench could not serve fails here, before any database is made. One at a time, read
 * a line at a time (suite/io.ts suiteEpisodes) and no further than `limit` episodes, the one choice of `--limit` of
 * `feedback import` and `feedback illume`: `feedback import --limit 100` read a suite of 105,000 whole first (and held
 * it) to keep its first 100. `progress`: the reader's bar while the suite is read.
 */
async function* workbenchEpisodes(dir: string, opts: { limit?: number; progress: boolean }): AsyncGenerator<Episode<string>> {
  let n = 0;
  if (opts.limit !== undefined && opts.limit < 1) return;
  for await (const ep of suiteEpisodes(dir, { progress: opts.progress })) {
    const views: string[] = [];
    for (const [i, v] of ep.views.entries()) {
      if (!('path' in v) || v.crop) throw new InputError(`episode ${ep.id} view ${i}: only plain image-path views can be imported into the workbench`);
      const rel = posix.normalize(v.path);
      await resolveImage(dir, rel).catch((e: unknown) => {
        const why = describeError(e);
        const fix = /\(symlink\)$/.test(why) ? '; the workbench serves only images inside the suite folder: copy them in instead of linking' : '';
        throw new InputError(`--suite ${dir}: episode ${ep.id} view ${i}: ${why}${fix}`, { cause: e });
      });
      views.push(rel);
    }
    yield { ...ep, views };
    if (++n === opts.limit) return;
  }
}

/** The workbench's episodes as a policy is given them (PolicyContext.episodes): each view a file reference. Read only if the policy reads them. */
async function* withPathViews(episodes: AsyncIterable<Episode<string>>) {
  for await (const e of episodes) yield { ...e, views: e.views.map((path) => ({ path })) };
}

/**
 * `feedback import`. `job` (the CLI's, feedback-command.ts): the database is open inside its `orderly` section, so Ctrl-C
 * there stops after the current episode's reply or image (a suite's episodes replied to so far go in first, as one more
 * batch: importReplied), or after the items' transaction once it has begun, closes the database and says what is kept.
 */
export async function runImport(raw: Record<string, unknown>, print = console.log, note: Note = silent, job = new StoppableJob('')): Promise<void> {
  const cfg = configFromOptions(ImportSchema, raw, 'feedback import');
  if (!cfg.suite === !cfg.demo) throw new InputError('give exactly one of --suite DIR or --demo N');
  // options the other source reads, given with this one: refused, not ignored (raw: commander's, before the schema's defaults)
  if (cfg.suite) refuseUnread(ImportSchema, raw, { keys: ['images'], readBy: "read with --demo only (a suite's own folder is its image folder)" }, 'with --suite');
  else refuseUnread(ImportSchema, raw, { keys: ['policy', 'limit'], readBy: 'read with --suite only (demo items come with scripted first replies, and --demo N is their number)' }, 'with --demo');
  const dir = cfg.suite ? resolve(cfg.suite) : undefined;
  // a wrong --suite fails before any database is made: every line is read and checked first; the episodes are read again
  // as they go in, and by a policy that reads them (the oracle, scripted) as a stream (the whole suite was held through
  // the replies and the items: 1.3 GB at 100,000 episodes)
  let count = 0;
  if (dir) for await (const _ of workbenchEpisodes(dir, { limit: cfg.limit, progress: cfg.progress })) count++;
  const doing = 'closing the feedback database (after the transaction of items, if it has begun)';
  await inStore(job, { dbDir: cfg.dbDir, command: 'feedback import', note, doing }, async (store, signal) => {
    if (!dir) {
      const demo = cfg.demo!;
      const images = resolve(cfg.images ?? `${dirname(resolve(cfg.dbDir))}/images/${cfg.project}`);
      const { project, added } = await createDemoProject(store, cfg.project, images, demo, cfg.labelsPerItem, { types: cfg.tasks as TaskType[], k: cfg.k, seed: cfg.seed, signal });
      job.kept = `all ${demo} demo items are in project ${project.name} (${added} new); nothing is left to add`;
      const p = await store.progress(project.id);
      const already = demo - added ? ` (${demo - added} already there)` : '';
      print(`project ${project.name}: ${added} new demo items${already}, ${p.tasks} tasks × ${project.labelsPerItem} labels; images in ${images}`);
      return;
    }
    const project = await projectForImages(store, cfg.project, dir, cfg.labelsPerItem, (d) => `--suite ${d}`);
    const policy = await createPolicy(cfg.policy, { episodes: withPathViews(workbenchEpisodes(dir, { limit: cfg.limit, progress: false })), seed: cfg.seed });
    let added: number;
    try {
      const source = workbenchEpisodes(dir, { limit: cfg.limit, progress: false });
      const onBatch = (done: number, n: number) => (job.kept = `the items of the first ${done} of the ${count} episodes are in project ${project.name} (${n} new); run the same command again to add the rest (the items there are skipped)`);
      // replying to the episodes and adding their items, a batch at a time, took minutes for 20,000 without a word: a bar
      const bar = progress('importing', count, { enabled: cfg.progress, unit: 'episodes' });
      ({ added } = await withBar(bar, () =>
        importReplied(store, project, source, policy, { types: cfg.tasks as TaskType[], k: cfg.k, seed: cfg.seed, signal, onBatch, onEpisode: () => bar.tick() }),
      ));
    } finally {
      await policy.close?.();
    }
    job.kept = `all ${count} episodes are in project ${project.name} (${added} new); nothing is left to add`;
    print(`project ${project.name}: ${added} new items from ${dir} (${count - added} already there), replies by ${policy.name}`);
  });
}

/**
 * `feedback import`: its notes to stderr; Ctrl-C or SIGTERM stops it at once while no database is open, else after the
 * current episode (a suite's: the batch of items so far added first), or the items' transaction (all or none) once it
 * has begun, closing the database; it ends by the signal (130 / 143 to a shell).
 */
export async function importAction(raw: Record<string, unknown>): Promise<void> {
  const kept = 'no item was added (they go in by transactions, each all or none; a suite\'s 1000 episodes at a time); run the same command again to add them';
  await stoppable(kept, (job) => runImport(raw, console.log, toStderr, job));
}

/**
 * What a signal keeps in a command that only reads the database. The quick database commands (`feedback status`,
 * `annotator`, `agreement`, `export`) open theirs in the CLI's `job` (inStore), so a signal lets them close it (no
 * `askfirst.lock` left; they died by the signal with it) and they end by the signal (130 / 143 to a shell) saying what is kept; what they had not
 * begun is not done.
 */
const readOnly = (command: string) => `nothing was changed (${command} only reads the database); run the same command again`;

export async function runAgreement(raw: Record<string, unknown>, print = console.log, note: Note = silent, job = new StoppableJob('')) {
  const cfg = configFromOptions(AgreementSchema, raw, 'feedback agreement');
  return inStore(job, { dbDir: cfg.dbDir, command: 'feedback agreement', note, create: false }, async (store) => {
    const project = await store.project(cfg.project);
    const labels = [];
    for (const type of TASK_TYPES) {
      for (const l of await store.labelled(project.id, type)) {
        labels.push({ taskId: l.task.id, annotatorId: l.annotation.annotatorId, type, payload: l.task.payload, label: l.annotation.label });
      }
    }
    const rep = taskAgreement(labels);
    if (cfg.json) print(JSON.stringify(rep));
    else {
      print('task                       measure  kappa   observed  units  raters');
      for (const r of rep) print(`${r.task.padEnd(26)} ${r.measure.padEnd(8)} ${fmt(r.kappa).padStart(6)}  ${fmt(r.observed).padStart(8)}  ${String(r.units).padStart(5)}  ${String(r.raters).padStart(6)}`);
      if (!rep.length) print('(no labels yet)');
    }
    return rep;
  });
}

/** `feedback agreement`: its notes to stderr; Ctrl-C or SIGTERM closes the database and ends by the signal (130 / 143 to a shell). */
export async function agreementAction(raw: Record<string, unknown>): Promise<void> {
  await stoppable(readOnly('feedback agreement'), (job) => runAgreement(raw, console.log, toStderr, job));
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : MISSING);

/** Why an export has no rows, and what to do: an export of a project nobody has labelled yet writes no file. */
export function emptyExportHint(project: string, format: string): string {
  const tasks = format === 'sft' ? 'rationale' : 'preference';
  return `no labelled ${tasks} tasks in project "${project}" yet: label them in the workbench (askfirst feedback serve), then export again; askfirst feedback status shows each task type's progress`;
}

export async function runExport(raw: Record<string, unknown>, print = console.log, note: Note = silent, job = new StoppableJob('')): Promise<number> {
  const cfg = configFromOptions(ExportSchema, raw, 'feedback export');
  refuseToOverwrite([cfg.out], cfg.overwrite); // before the database is opened
  job.kept = `nothing was written (${cfg.out} is written whole, once every row is read); run the same command again`;
  return inStore(job, { dbDir: cfg.dbDir, command: 'feedback export', note, create: false }, async (store, signal) => {
    const project = await store.project(cfg.project);
    const rows = cfg.format === 'sft' ? await exportSft(store, project.id, { images: cfg.images }) : await exportDpo(store, project.id, { images: cfg.images });
    signal.throwIfAborted(); // stopped while the rows were read: the file is not written
    if (!rows.length) {
      // no file for no rows: an empty one would only make the next export (once there are labels) need --overwrite,
      // and an earlier export there (--overwrite) is left as it was rather than emptied. Refused (exit 1), not a success:
      // `export && trainer` went on to a trainer that failed on the missing file, far from the cause
      job.kept = `nothing was written (0 rows)`;
      const left = existsSync(cfg.out) ? ' (the file there is an earlier export, left as it was)' : '';
      throw new NotFoundError(`0 ${cfg.format.toUpperCase()} rows: nothing written to ${cfg.out}${left}; ${emptyExportHint(cfg.project, cfg.format)}`);
    }
    await writeFileAtomic(cfg.out, toJsonl(rows)); // a reader (or a crash, or a second Ctrl-C) never finds half an export
    job.kept = `the export is written (${rows.length} rows in ${cfg.out})`;
    print(`${rows.length} ${cfg.format.toUpperCase()} rows → ${cfg.out}`);
    return rows.length;
  });
}

/** `feedback export`: its notes to stderr; Ctrl-C or SIGTERM closes the database and ends by the signal (130 / 143 to a shell), the file whole or not written. */
export async function exportAction(raw: Record<string, unknown>): Promise<void> {
  await stoppable('', (job) => runExport(raw, console.log, toStderr, job));
}

/**
 * `feedback illume`. With `--critic workbench` the database and the workbench are open inside `job`'s `orderly` section
 * (the CLI's, `illumeAction`), so Ctrl-C stops the wait for the round's labels, answers the requests in flight (a label
 * being sent is stored), closes both and says what is kept; with
 * the automatic critic nothing is open and nothing is kept: a signal stops it at once (its rounds hand the event loop
 * a turn, so it is heard).
 */
export async function runIllumeCommand(raw: Record<string, unknown>, print = console.log, note: Note = silent, job = new StoppableJob('')) {
  const cfg = configFromOptions(IllumeSchema, raw, 'feedback illume');
  // --demo has a default, so only its presence in `raw` says the user gave it: with --suite it would be ignored
  if (cfg.suite !== undefined && raw.demo !== undefined)
    throw new InputError(`give one of --suite DIR (items from that suite) or --demo N (N demo episodes), not both: drop --demo to use ${cfg.suite}, or --suite to use demo episodes`);
  if (cfg.out) refuseToOverwrite([cfg.out], cfg.overwrite); // before the rounds (minutes with --critic workbench)
  if (cfg.suite === undefined) refuseUnread(IllumeSchema, raw, { keys: ['limit'], readBy: 'read with --suite only (--demo N is the number of demo episodes)' }, 'without --suite');
  if (cfg.critic === 'auto')
    refuseUnread(IllumeSchema, raw, { keys: ['dbDir', 'project', 'labelsPerItem', 'host', 'port'], readBy: 'read by --critic workbench only (the automatic critic needs no workbench)' }, `with --critic auto${raw.critic === undefined ? ' (the default)' : ''}`, 'add --critic workbench');
  // ── items: (view, answer) pairs of episodes, split by episode into train / held-out ──
  const items: RationaleItem[][] = [];
  if (cfg.suite) {
    const dir = resolve(cfg.suite);
    for await (const ep of workbenchEpisodes(dir, { limit: cfg.limit, progress: cfg.progress })) items.push(episodeRationaleItems(ep, (v) => readImageFile(resolve(dir, v))));
  } else {
    note(`feedback illume: drawing ${cfg.demo} demo scenes`);
    for (const ep of drawDemoEpisodes(cfg.demo, cfg.seed)) {
      items.push(episodeRationaleItems(ep, async (v) => v));
      await yieldToEventLoop(); // 1500 scenes take seconds: Ctrl-C's handler runs between them
    }
  }
  const order = SceneRng.fromState(cfg.seed + 5).shuffle(items.map((_, i) => i));
  const nHeld = Math.max(1, Math.round(order.length * cfg.heldOut));
  // every episode held out leaves nothing to train on (coverage 0/0, printed as "NaN%" before): refused, saying what to change
  if (nHeld >= order.length) {
    const from = cfg.suite ? `--suite ${cfg.suite}${cfg.limit === undefined ? '' : ` --limit ${cfg.limit}`}` : `--demo ${cfg.demo}`;
    throw new InputError(`--held-out ${cfg.heldOut} of the ${order.length} episode${order.length === 1 ? '' : 's'} of ${from} holds out ${nHeld}, leaving none to train on: lower --held-out or use more episodes (at least 2)`);
  }
  const heldOut = order.slice(0, nHeld).flatMap((i) => items[i]);
  const train = order.slice(nHeld).flatMap((i) => items[i]);

  let encoder: ImageEncoder | undefined;
  if (cfg.encoder) {
    if (!cfg.encoder.startsWith('builtin:')) throw new InputError(`--encoder must be builtin:CHECKPOINT_DIR, got "${cfg.encoder}"`);
    encoder = loadBuiltinEncoder(cfg.encoder.slice('builtin:'.length));
  }
  // ── each item's image read and described once, a batch at a time, before any database or workbench is opened (an image
  // that does not decode fails here); the items keep their descriptors, not their pixels (the workbench critic reads a
  // round's images again) — the held-out items first, as the rationale head described them on first use ──
  const bar = progress('describing images', heldOut.length + train.length, { enabled: cfg.progress && cfg.suite !== undefined, unit: 'images' });
  await withBar(bar, async () => {
    await describeItems(heldOut, encoder, () => bar.tick());
    await describeItems(train, encoder, () => bar.tick());
  });
  const run = async (critic: Critic) => {
    print(`ILLUME: ${train.length} training items, ${heldOut.length} held-out, k=${cfg.k}, critic ${cfg.critic}, rationale head on src/nn over image descriptors${encoder ? ` + ${encoder.name}'s encoder` : ''}`);
    const res = await runIllume(train, heldOut, critic, { ...cfg, encoder }, (r) => {
      if (!cfg.json)
        print(`round ${r.round}: coverage ${percent(r.coverage)} (cumulative ${percent(r.cumulativeCoverage)}), accepted ${r.accepted}, held-out rationale accuracy ${percent(r.heldOutAccuracy)}, ${r.loss === null ? 'no accepted rationale: nothing fitted' : `loss ${r.loss.toFixed(3)}`}`);
    });
    const report = { critic: cfg.critic, train: train.length, heldOut: heldOut.length, initialAccuracy: res.initialAccuracy, rounds: res.rounds };
    if (!cfg.json) print(`held-out rationale accuracy before training: ${percent(res.initialAccuracy)}`);
    else print(JSON.stringify(report));
    if (cfg.out) await writeFileAtomic(cfg.out, JSON.stringify(report, null, 2));
    return report;
  };
  if (cfg.critic === 'auto') return run(autoCritic);
  const doing = 'answering the requests in flight, then closing the workbench and its database (the labels given are saved)';
  return inStore(job, { dbDir: cfg.dbDir, command: 'feedback illume', note, doing }, async (store, signal) => {
    const imageDir = resolve(`${dirname(resolve(cfg.dbDir))}/images/${cfg.project}`);
    const project = await projectForImages(store, cfg.project, imageDir, cfg.labelsPerItem);
    const server = await startServer({ store, host: cfg.host, port: cfg.port, playPolicy: 'oracle' }); // a busy port: the database is closed (and its lock) before it is reported
    try {
      print(`workbench at ${server.url} — annotators label project "${project.name}"; add one with \`askfirst feedback annotator NAME\``);
      job.kept = `the labels given in project "${project.name}" are saved; run the same command again to go on (its rounds are computed again, to the same rationales, and those labelled are read back)`;
      return await run(workbenchCritic(store, project, { signal, onWait: (d, t) => process.stderr.write(`\r  round labels: ${d}/${t} tasks`) }));
    } finally {
      // as `feedback serve` stops (../server/listen.ts `drain`): annotators are people, a label being sent is answered and stored
      await server.stop();
    }
  });
}

/**
 * `feedback illume`: its notes to stderr; Ctrl-C or SIGTERM stops it (by the signal: 130 / 143 to a shell): at once with the automatic critic
 * (nothing is saved until its last round), with `--critic workbench` once the workbench and its database are closed.
 */
export async function illumeAction(raw: Record<string, unknown>): Promise<void> {
  const kept = 'nothing was saved (ILLUME writes --out, and its summary, once its last round ends); run the same command again to start over';
  await stoppable(kept, (job) => runIllumeCommand(raw, console.log, toStderr, job));
}

/** A --play-policy that names no policy (or a malformed one) is refused before the workbench starts, named as the flag. */
async function checkPlayPolicy(spec: string): Promise<void> {
  const { checkPolicySpec } = await import('../agents/registry.js'); // every backend: loaded only by the command that serves play tasks
  try {
    checkPolicySpec(spec);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`--play-policy: ${e.message}`, { cause: e });
    throw e;
  }
}

/** The action of `askfirst feedback serve` (feedback-command.ts): serve until Ctrl-C. */
export async function serveAction(raw: Record<string, unknown>): Promise<void> {
  const cfg = configFromOptions(ServeSchema, raw, 'feedback serve');
  if (!isLoopbackHost(cfg.host)) refuseUnread(ServeSchema, raw, { keys: ['allowHost'], readBy: 'read with a loopback --host only (a server on another address answers any Host)' }, `with --host ${cfg.host}`);
  await checkPlayPolicy(cfg.playPolicy); // it was made at the first play task only: a mistyped one started a workbench whose play tasks all failed
  if (!process.env.DATABASE_URL) {
    // startServer opens it: a missing --db-dir is made there, said first (a mistyped path would be served empty)
    const isNew = newDatabaseLine('feedback serve', cfg.dbDir);
    if (isNew) toStderr(isNew);
    toStderr(openingLine('feedback serve', cfg.dbDir));
  }
  const s = await startServer({ databaseUrl: process.env.DATABASE_URL || undefined, dataDir: cfg.dbDir, host: cfg.host, port: cfg.port, playPolicy: cfg.playPolicy, assignmentTtlSeconds: cfg.assignmentTtl, allowHosts: cfg.allowHost, authLimit: cfg });
  await serveUntilStopped({ name: 'askfirst workbench', closed: 'connections and database closed', inFlight: s.inFlight }, () => s.stop(), () => console.log(`askfirst workbench on ${s.url} (${s.store.db.engine}); Ctrl-C to stop`));
}

/** A time as `askfirst feedback annotator --list` shows it: UTC to the minute. */
const minute = (t: string | null) => (t ? `${t.slice(0, 16).replace('T', ' ')}Z` : MISSING);

/**
 * `askfirst feedback annotator [NAME] [--list | --revoke | --new-token]`: add an annotator, list
 * them, revoke a token or replace it. What the workbench does with a revoked or replaced token
 * (refused within AUTH_CACHE_MS) is app.ts's; the store does the rest in one transaction each.
 */
export async function runAnnotator(name: string | undefined, raw: Record<string, unknown>, print = console.log, note: Note = silent, job = new StoppableJob('')): Promise<AnnotatorInfo[] | void> {
  const cfg = configFromOptions(AnnotatorSchema, raw, 'feedback annotator');
  const bound = `${AUTH_CACHE_MS / 1000} s`;
  if (cfg.list) {
    refuseUnread(AnnotatorSchema, raw, { keys: ['revoke', 'newToken'], readBy: 'read with an annotator NAME only' }, 'with --list');
    if (name !== undefined) throw new InputError(`give an annotator NAME or --list, not both: --list shows every annotator (drop "${name}")`);
    job.kept = readOnly('feedback annotator --list');
    return inStore(job, { dbDir: cfg.dbDir, command: 'feedback annotator', note, create: false }, async (store) => {
      const all = await store.annotators();
      if (cfg.json) print(JSON.stringify(all));
      else if (!all.length) print('no annotators yet (add one with `askfirst feedback annotator NAME`)');
      else {
        const w = Math.max(4, ...all.map((a) => a.name.length));
        print(`${'id'.padStart(4)}  ${'name'.padEnd(w)}  created            last active        labels  open  status`);
        for (const a of all) {
          const status = a.revokedAt ? `revoked ${minute(a.revokedAt)}` : 'active';
          print(`${String(a.id).padStart(4)}  ${a.name.padEnd(w)}  ${minute(a.createdAt).padEnd(17)}  ${minute(a.lastActive).padEnd(17)}  ${String(a.labels).padStart(6)}  ${String(a.open).padStart(4)}  ${status}`);
        }
      }
      return all;
    });
  }
  refuseUnread(AnnotatorSchema, raw, { keys: ['json'], readBy: 'read with --list only' }, 'without --list', 'add --list');
  if (name === undefined) throw new InputError('give an annotator NAME (to add one, or with --revoke or --new-token), or --list to see them all');
  if (cfg.revoke && cfg.newToken) {
    throw new InputError(`give one of --revoke (${name}'s token stops working) or --new-token (a new token replaces theirs), not both: --new-token alone already stops the old token`);
  }
  job.kept = `annotator ${name} was not changed; run the same command again`;
  if (cfg.revoke) {
    return inStore(job, { dbDir: cfg.dbDir, command: 'feedback annotator', note, create: false }, async (store) => {
      const r = await store.revokeAnnotator(name);
      job.kept = `annotator ${name} is revoked`;
      const labels = (await store.annotators()).find((a) => a.id === r.annotator.id)!.labels;
      const what = r.already ? `was already revoked (since ${minute(r.already)})` : `revoked: a running workbench refuses their labels and play steps at once, and their token within ${bound}`;
      print(`annotator ${r.annotator.name} (id ${r.annotator.id}) ${what}; ${r.released} open assignment${r.released === 1 ? '' : 's'} went back to the queue; their ${labels} label${labels === 1 ? ' stays' : 's stay'}`);
    });
  }
  if (cfg.newToken) {
    return inStore(job, { dbDir: cfg.dbDir, command: 'feedback annotator', note, create: false }, async (store) => {
      const a = await store.newToken(name);
      job.kept = `annotator ${name} has the new token printed above`;
      const back = a.reinstated ? '; reinstated (was revoked)' : '';
      print(`annotator ${a.name} (id ${a.id})${back}: new token (keep it secret, it is not stored); a running workbench refuses labels and play steps sent with the old one at once, and the old one within ${bound}:\n${a.token}`);
    });
  }
  job.kept = `no annotator was added; run the same command again`;
  await inStore(job, { dbDir: cfg.dbDir, command: 'feedback annotator', note }, async (store) => {
    const a = await store.addAnnotator(name);
    job.kept = `annotator ${name} is added, with the token printed above`;
    print(`annotator ${a.name} (id ${a.id}); token (keep it secret, it is not stored):\n${a.token}`);
  });
}

/** The action of `askfirst feedback annotator` (feedback-command.ts). */
/** `feedback annotator`: its notes to stderr; Ctrl-C or SIGTERM closes the database and ends by the signal (130 / 143 to a shell), saying whether the change was made. */
export async function annotatorAction(name: string | undefined, raw: Record<string, unknown>): Promise<void> {
  await stoppable('', (job) => runAnnotator(name, raw, console.log, toStderr, job));
}

/** The action of `askfirst feedback status` (feedback-command.ts). */
export async function statusAction(raw: Record<string, unknown>): Promise<void> {
  const cfg = configFromOptions(StatusSchema, raw, 'feedback status');
  await stoppable(readOnly('feedback status'), (job) => inStore(job, { dbDir: cfg.dbDir, command: 'feedback status', note: toStderr, create: false }, async (store) => {
    const projects = cfg.project ? [await store.project(cfg.project)] : await store.projects();
    if (!projects.length) console.log('no projects yet (create one with `askfirst feedback import`)');
    for (const p of projects) {
      const pr = await store.progress(p.id);
      console.log(`${p.name}: ${pr.completedTasks}/${pr.tasks} tasks complete, ${pr.labels}/${pr.needed} labels (N=${p.labelsPerItem}, images in ${p.imageDir})`);
      for (const [t, b] of Object.entries(pr.byType)) console.log(`  ${t.padEnd(10)} ${b.completed}/${b.tasks} complete, ${b.labels} labels`);
    }
  }));
}
