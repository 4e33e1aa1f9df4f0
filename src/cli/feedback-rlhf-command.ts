/**
 * `askfirst feedback pairs|simulate|demo|demo-aggregate`: their options and --help; the work is in
 * feedback-rlhf.ts, loaded only when one runs (commands.ts).
 *   pairs     import trajectory pairs into a project from a suite and one or more results.jsonl
 *   simulate  serve the workbench and let N simulated annotators label a project's pairs over HTTP
 *   demo      the whole loop: pairs → labels over HTTP → reward models → RLHF and DPO → report
 *   demo-aggregate  fold several seeds' demos into aggregate.json (mean, 95 % interval)
 */
import type { Command } from 'commander';
import { FeedbackDemoConfigSchema } from '../demo/feedback-config.js';
import { DemoAggregateSchema, PairsSchema, SimulateSchema } from './feedback-rlhf-schema.js';
import { addSchemaOptions, commandGroup } from './options.js';

export function register(program: Command): void {
  const g = commandGroup(program, 'feedback', 'the human-feedback workbench: serve, import, export, agreement, ILLUME');
  addSchemaOptions(g.command('pairs').description('import pairs of plays of the same episode (from results.jsonl files) as preference items'), PairsSchema).action(async (raw) => (await import('./feedback-rlhf.js')).pairsAction(raw));
  addSchemaOptions(g.command('simulate').description('simulated annotators label trajectory pairs over the workbench HTTP API (noise, biases)'), SimulateSchema).action(async (raw) => (await import('./feedback-rlhf.js')).simulateAction(raw));
  addSchemaOptions(g.command('demo-aggregate').description('fold finished feedback demos (<out>/seed-<n>/) into <out>/aggregate.json: mean and 95 % interval per figure'), DemoAggregateSchema).action(
    async (raw) => (await import('./feedback-rlhf.js')).demoAggregateAction(raw),
  );
  addSchemaOptions(
    g.command('demo').description('the feedback loop end to end: pairs → simulated labels over HTTP → reward models → RLHF and DPO → evaluation → report.html'),
    FeedbackDemoConfigSchema,
  ).action(async (raw) => (await import('./feedback-rlhf.js')).feedbackDemoAction(raw));
}
