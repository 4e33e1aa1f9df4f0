/** The settings of `askfirst feedback …`: light, read at startup for their options and --help (commands.ts). */
import { z } from 'zod';
import { IllumeConfigSchema } from '../feedback/illume-config.js';
import { DEFAULT_FEEDBACK_DB_DIR, newProjectField } from '../feedback/db-dir.js';
import { TASK_TYPES } from '../feedback/tasks.js';
import { outDirField, outFileField, unusedProgressField, progressField, seedField } from '../util/config.js';
import { AuthLimitSchema } from '../server/workbench-config.js';
import { AllowHostSchema } from '../server/host-config.js';

/** The workbench database options every feedback subcommand shares. */
export const dbFields = {
  dbDir: outDirField().default(DEFAULT_FEEDBACK_DB_DIR).describe('PGlite data directory (ignored when DATABASE_URL is set)'),
};

/** The same, for the commands that make a missing one (feedback/db-dir.ts newDatabaseLine). */
export const newDbFields = {
  dbDir: outDirField()
    .default(DEFAULT_FEEDBACK_DB_DIR)
    .describe('PGlite data directory (ignored when DATABASE_URL is set); a missing one is made, saying so, if its parent folder exists (or it is the default)'),
};

/**
 * `--limit` of the commands that take a suite's episodes (`feedback import`, `feedback illume`): its first N episodes in
 * the order of its episodes.jsonl, the lines after them not read (feedback.ts workbenchEpisodes).
 */
const suiteLimitField = z.number().int().min(1).optional().describe('with --suite: take only its first N episodes (in episodes.jsonl order; the rest is not read)');

export const ServeSchema = z.object({
  ...newDbFields,
  host: z
    .string()
    .default('127.0.0.1')
    .describe('interface to listen on (0.0.0.0 to accept other machines: the server speaks plain HTTP, so put a TLS-terminating reverse proxy in front, or tokens cross the network in the clear)'),
  port: z.number().int().min(0).max(65535).default(8787).describe('port (0 = any free port)'),
  ...AllowHostSchema.shape,
  ...AuthLimitSchema.shape,
  playPolicy: z.string().default('oracle').describe('the model in play tasks: a policy spec (oracle, random[:SEED], builtin:DIR, openai:URL#MODEL …)'),
  progress: unusedProgressField('feedback serve'),
  assignmentTtl: z.number().int().min(10).default(3600).describe('seconds without activity (the open page sends heartbeats while in use) before an unlabelled assignment goes back to the queue (at once when its annotator leaves it: another project, the tab closed, signed out); a label sent later is still stored while its task has room'),
});

export const ImportSchema = z.object({
  ...newDbFields,
  project: newProjectField().describe('project name (created if missing; an existing one must have the same image folder, so a re-run adds what is missing)'),
  suite: z.string().optional().describe('suite directory (episodes.jsonl + images/); its folder becomes the image folder'),
  demo: z.number().int().min(1).optional().describe('instead of --suite: draw this many demo episodes'),
  images: z.string().optional().describe('image folder for --demo (default: <db-dir>/../images/<project>)'),
  labelsPerItem: z.number().int().min(1).max(50).default(2).describe('annotators per task (N)'),
  tasks: z.array(z.enum(TASK_TYPES)).min(1).default([...TASK_TYPES]).describe('task types to create: rationale, ask, preference, play'),
  k: z.number().int().min(1).max(20).default(4).describe('rationales shown per rationale task'),
  policy: z.string().default('random').describe('with --suite: the model whose first-view replies are judged (a policy spec)'),
  limit: suiteLimitField,
  seed: seedField().default(1).describe('seed (sampling, demo scenes)'),
  progress: progressField('progress bars on stderr while --suite is read and its episodes are replied to and added'),
});

export const ExportSchema = z.object({
  ...dbFields,
  project: z.string().min(1).describe('project name'),
  format: z.enum(['sft', 'dpo']).describe('sft: accepted rationales (messages); dpo: preferences (prompt/chosen/rejected)'),
  out: outFileField().describe('output JSONL file'),
  overwrite: z.boolean().default(false).describe('replace the --out file if it exists (without it, an existing one is refused)'),
  images: z.enum(['path', 'base64']).default('path').describe('images as absolute paths or inline base64 data URIs'),
  progress: unusedProgressField('feedback export'),
});

export const AgreementSchema = z.object({
  ...dbFields,
  project: z.string().min(1).describe('project name'),
  json: z.boolean().default(false).describe('print JSON instead of a table'),
  progress: unusedProgressField('feedback agreement'),
});

export const IllumeSchema = IllumeConfigSchema.extend({
  ...newDbFields,
  encoder: z.string().optional().describe("extra image features for the rationale head: builtin:CHECKPOINT_DIR (the built-in model's frozen CNN encoder)"),
  critic: z.enum(['auto', 'workbench']).default('auto').describe('auto: knows the true scene facts; workbench: people label each round'),
  suite: z.string().optional().describe('suite directory to take items from (default: demo scenes; not with --demo)'),
  limit: suiteLimitField,
  demo: z.number().int().min(2).default(120).describe('demo episodes when no --suite is given (not with --suite)'),
  heldOut: z.number().min(0.05).max(0.9).default(0.33).describe('share of episodes held out for rationale accuracy'),
  project: newProjectField().default('illume').describe('workbench project for --critic workbench'),
  labelsPerItem: z.number().int().min(1).default(1).describe('annotators per rationale task for --critic workbench'),
  host: z.string().default('127.0.0.1').describe('for --critic workbench: interface of the workbench it serves'),
  port: z.number().int().min(0).max(65535).default(8787).describe('for --critic workbench: port of the workbench it serves'),
  out: outFileField().optional().describe('write the per-round report as JSON here'),
  overwrite: z.boolean().default(false).describe('replace the --out file if it exists (without it, an existing one is refused)'),
  json: z.boolean().default(false).describe('print the report as JSON'),
  progress: progressField('progress bars on stderr while --suite is read and its images described'),
});

export const AnnotatorSchema = z.object({
  dbDir: newDbFields.dbDir.describe('PGlite data directory (ignored when DATABASE_URL is set); adding an annotator makes a missing one, saying so, if its parent folder exists (or it is the default)'),
  list: z.boolean().default(false).describe('list every annotator (id, name, created, last active, labels given, open assignments, revoked or not) instead of adding one; no NAME'),
  revoke: z.boolean().default(false).describe("revoke NAME's token: it stops working, their open assignments go back to the queue, their labels stay"),
  newToken: z.boolean().default(false).describe('give NAME a new token (printed once) that replaces the old one; a revoked annotator is reinstated'),
  json: z.boolean().default(false).describe('with --list: print JSON instead of a table'),
  progress: unusedProgressField('feedback annotator'),
});
export const StatusSchema = z.object({ ...dbFields, project: z.string().optional().describe('one project (default: all)'), progress: unusedProgressField('feedback status') });
