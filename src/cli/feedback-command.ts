/** `askfirst feedback …`: the options and --help of its subcommands; the work is in feedback.ts, loaded only when one runs (commands.ts). */
import { SLOW_CLIENT_HELP } from '../server/timeouts.js';
import type { Command } from 'commander';
import { AgreementSchema, AnnotatorSchema, ExportSchema, IllumeSchema, ImportSchema, ServeSchema, StatusSchema } from './feedback-schema.js';
import { addSchemaOptions, commandGroup } from './options.js';

export function register(program: Command): void {
  const g = commandGroup(program, 'feedback', 'the human-feedback workbench: serve, import, export, agreement, ILLUME');

  addSchemaOptions(g.command('serve').description('run the workbench (API + UI); DATABASE_URL selects PostgreSQL').addHelpText('after', `\n${SLOW_CLIENT_HELP}`), ServeSchema).action(async (raw) => (await import('./feedback.js')).serveAction(raw));

  addSchemaOptions(
    g
      .command('annotator')
      .argument('[name]', 'annotator name')
      .description('add an annotator and print their token (shown once); --list shows them all, --revoke stops a token working, --new-token replaces it'),
    AnnotatorSchema,
  ).action(async (name: string | undefined, raw) => (await import('./feedback.js')).annotatorAction(name, raw));

  addSchemaOptions(g.command('status').description('projects and their labelling progress per task type'), StatusSchema).action(async (raw) => (await import('./feedback.js')).statusAction(raw));

  addSchemaOptions(g.command('import').description('add items from a suite or demo scenes to a project'), ImportSchema).action(async (raw) => (await import('./feedback.js')).importAction(raw));
  addSchemaOptions(g.command('agreement').description("inter-annotator agreement per task (Cohen's κ for two raters, Fleiss' κ for more)"), AgreementSchema).action(async (raw) => (await import('./feedback.js')).agreementAction(raw));
  addSchemaOptions(g.command('export').description("JSONL for TRL's SFT or DPO trainers"), ExportSchema).action(async (raw) => (await import('./feedback.js')).exportAction(raw));
  addSchemaOptions(g.command('illume').description('ILLUME rationale loop: sample k rationales, critique, fine-tune, repeat'), IllumeSchema).action(async (raw) => (await import('./feedback.js')).illumeAction(raw));
}
