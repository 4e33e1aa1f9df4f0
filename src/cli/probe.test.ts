/** `askfirst probe`: its --help describes only options the probes have. */
import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildProgram } from './main.js';

describe('askfirst probe --help', () => {
  it('names no --sample (the probes ask greedily) and says --temperature defaults to 0', async () => {
    const probe = (await buildProgram()).commands.find((c) => c.name() === 'probe')!;
    expect(probe.commands.length).toBeGreaterThan(0);
    let checked = 0;
    for (const cmd of probe.commands as Command[]) {
      const help = cmd.helpInformation().replace(/\s+/g, ' ');
      if (!help.includes('--temperature')) continue;
      expect(cmd.options.some((o) => o.long === '--sample'), cmd.name()).toBe(false);
      expect(help, cmd.name()).not.toMatch(/--sample/);
      expect(help, cmd.name()).toMatch(/--temperature <n>\s+openai: temperature sent with every request \(default 0: the probes ask greedily\)/);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });
});
