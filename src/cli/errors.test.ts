/** CLI error messages for a careless user (issue 20): every one says what to fix, none says "unexpected error … please report it". */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { generateSuite } from '../suite/generate.js';
import { readSuite, writeSuite } from '../suite/io.js';
import { tmpDir } from '../testing/tmp.js';
import { explainFsError, namePath, withKept } from '../util/fs-errors.js';
import { EXIT_STATUS_HELP, main } from './main.js';
import { SIGNAL_EXIT } from './signals.js';
import { CLOSED_PIPE_EXIT } from './closed-pipe.js';
import { cliInProcess } from '../testing/cli-in-process.js';
import { captureConsole } from '../testing/console.js';

const cli = cliInProcess;

afterEach(() => {
  process.exitCode = 0;
});

/**
 * A refusal that must come before any work (generating a suite, training: 20 s or more). Run
 * twice, the second timed: the first loads the command's modules, which took up to 18 s on a
 * loaded 2-core machine (3 s bounds on a single run failed there). Both runs must refuse the same.
 */
const BEFORE_WORK_MS = 10_000;
async function refusedBeforeWork(...args: string[]): Promise<{ code: number; err: string; ms: number }> {
  const first = await cli(...args);
  const t0 = Date.now();
  const r = await cli(...args);
  const ms = Date.now() - t0;
  expect(r, args.join(' ')).toEqual(first);
  return { ...r, ms };
}

const fsErr = (code: string, syscall: string, path: string) => Object.assign(new Error(`${code}: x, ${syscall} '${path}'`), { code, syscall, path });

describe('CLI errors a user can fix', () => {
  it('an --out that is a file: says so, exit 1, no "please report"', async () => {
    const d = tmpDir('af-cli-err');
    const suite = join(d, 'suite');
    await writeSuite(suite, generateSuite({ episodes: 1, seed: 3, kinds: ['camera'] }));
    const file = join(d, 'out.txt');
    writeFileSync(file, 'not a directory');
    const r = await cli('eval', '--policy', 'oracle', '--data', suite, '--out', join(file, 'run'), '--no-progress'); // a folder under a file (a file --out itself is refused up front, below)
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/out\.txt is a file, not a directory; choose another output directory/);
    expect(r.err).not.toMatch(/unexpected error|please report/);
  });

  it('an --out that names a directory where a file is expected: says so with the name given, never the temporary file', async () => {
    const d = tmpDir('af-cli-outdir');
    const suite = join(d, 'suite');
    await writeSuite(suite, generateSuite({ episodes: 1, seed: 3, kinds: ['camera'] }));
    mkdirSync(join(d, 'existing'));
    const slash = await cli('suite', 'show', '--data', suite, '--episode', 'camera-00000', '--out', join(d, 'sheets') + '/');
    expect(slash.code).toBe(1);
    expect(slash.err).toMatch(/sheets\/ names a directory \(it ends with "\/"\) where a file is expected; give a file name/);
    const dir = await cli('suite', 'show', '--data', suite, '--episode', 'camera-00000', '--out', join(d, 'existing'));
    expect(dir.code).toBe(1);
    expect(dir.err).toMatch(/existing is a directory where a file is expected/);
    for (const r of [slash, dir]) expect(r.err).not.toMatch(/\.tmp|unexpected error|please report/);
  });

  it('an --out that is a symbolic link to nothing: names the link and where it points (was "no such file or directory: OUT")', async () => {
    const d = tmpDir('af-cli-dangling');
    const suite = join(d, 'suite');
    await writeSuite(suite, generateSuite({ episodes: 1, seed: 3, kinds: ['camera'] }));
    symlinkSync(join(d, 'gone'), join(d, 'out'));
    for (const args of [['eval', '--policy', 'oracle', '--no-progress'], ['export', '--no-progress'], ['suite', 'show', '--all-kinds']]) {
      const r = await cli(...args, '--data', suite, '--out', join(d, 'out'));
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err, args.join(' ')).toBe(`askfirst: cannot write ${join(d, 'out')}: it is a symbolic link to ${join(d, 'gone')}, which does not exist; create that folder, or give another output directory`);
    }
    expect(readdirSync(d).sort()).toEqual(['out', 'suite']);
  });

  it('read-only and full disks are named as such (a read-only file system is not "not found")', () => {
    expect(explainFsError(fsErr('EROFS', 'open', '/mnt/ro/out/x.json'))?.message).toMatch(/cannot write \/mnt\/ro\/out\/x\.json: the file system is read-only/);
    expect(explainFsError(fsErr('EACCES', 'mkdir', '/srv/out'))?.message).toMatch(/permission denied \(a read-only directory\?\)/);
    // a folder written whole (fsx.ts writeDirAtomic) is named as given, not as its temporary sibling
    expect(explainFsError(fsErr('EACCES', 'mkdir', '/srv/.ds.tmp-123-0a1b2c3d'))?.message).toMatch(/^cannot write \/srv\/ds: permission denied/);
    expect(explainFsError(fsErr('ENOSPC', 'open', '/srv/.ds.tmp-123-0a1b2c3d/images/.a.png.123.ff.tmp'))?.message).toMatch(/^cannot write \/srv\/ds\/images\/.*: no space left/);
    expect(explainFsError(fsErr('ENOSPC', 'write', '/srv/out/r.jsonl'))?.message).toMatch(/no space left/);
    // a file written whole (fsx.ts writeFileAtomic) or a lock being taken (lockfile.ts): named as the file, not its temporary name
    expect(explainFsError(fsErr('EACCES', 'open', '/srv/ro/.report.html.123.0a1b2c3d.tmp'))?.message).toBe('cannot write /srv/ro/report.html: permission denied (a read-only directory?); choose a directory you can write to');
    expect(explainFsError(fsErr('EACCES', 'open', 'ro/..lock.123.0a1b2c3d.tmp'))?.message).toMatch(/^cannot write ro\/\.lock: permission denied/);
    expect(explainFsError(new Error('plain'))).toBeNull();
  });

  it('a full disk under a write by descriptor, whose error names no file: named by the writer, then said with what is kept', () => {
    const write = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
    expect(explainFsError(write())?.message).toBe('no space left on the device (or quota exceeded); free some space or choose another disk'); // not "unexpected error"
    const named = namePath(write(), '/srv/out/.results.jsonl.123.0a1b2c3d.tmp');
    expect(explainFsError(named)?.message).toBe('cannot write /srv/out/results.jsonl: no space left on the device (or quota exceeded); free some space or choose another disk');
    expect((withKept(named, 'finished episodes are saved') as Error).message).toBe(
      'cannot write /srv/out/results.jsonl: no space left on the device (or quota exceeded); free some space or choose another disk; finished episodes are saved',
    );
    expect(withKept(fsErr('EACCES', 'open', '/srv/x'), 'kept')).toBeInstanceOf(Error); // not a full disk: as it was
    expect((withKept(fsErr('EACCES', 'open', '/srv/x'), 'kept') as Error).message).not.toContain('kept');
  });

  it('an empty episodes file exits non-zero with a message', async () => {
    const d = tmpDir('af-cli-empty');
    await writeSuite(d, []);
    const r = await cli('eval', '--policy', 'oracle', '--data', d, '--out', join(d, 'run'), '--no-progress');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/holds no episodes \(episodes\.jsonl is empty\)/);
  });

  it('view paths must be relative and stay inside the suite directory', async () => {
    const root = tmpDir('af-cli-views'); // the suite and a folder beside it, both removed after the test
    const d = join(root, 'suite');
    await writeSuite(d, generateSuite({ episodes: 1, seed: 3, kinds: ['camera'] }));
    const file = join(d, 'episodes.jsonl');
    const ep = JSON.parse(readFileSync(file, 'utf8').split('\n')[0]);
    mkdirSync(join(d, '..', 'outside'), { recursive: true });
    for (const bad of ['/etc/passwd', '../outside/x.png', 'images/../../outside/x.png']) {
      writeFileSync(file, JSON.stringify({ ...ep, views: ep.views.map((v: { path: string }, i: number) => (i === 0 ? { path: bad } : v)) }) + '\n');
      await expect(readSuite(d, { checkImages: false })).rejects.toThrow(/episodes\.jsonl:1: .*views\[0\] path .* must be relative to the suite directory and stay inside it/);
    }
  });

  it('a damaged run.json of an earlier eval names the file', async () => {
    const d = tmpDir('af-cli-runjson');
    const suite = join(d, 'suite');
    await writeSuite(suite, generateSuite({ episodes: 1, seed: 3, kinds: ['camera'] }));
    const out = join(d, 'run');
    expect((await cli('eval', '--policy', 'oracle', '--data', suite, '--out', out, '--no-progress', '--mode', 'proactive')).code).toBe(0);
    writeFileSync(join(out, 'proactive', 'run.json'), '{"policy":');
    const r = await cli('eval', '--policy', 'oracle', '--data', suite, '--out', out, '--no-progress', '--mode', 'proactive');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/proactive\/run\.json: run\.json does not parse as JSON/);
  });

  it('a results.jsonl line edited by hand (a field gone, or of another type): eval, report and feedback pairs name the line and the field', async () => {
    const d = tmpDir('af-cli-record');
    const suite = join(d, 'suite');
    await writeSuite(suite, generateSuite({ episodes: 2, seed: 3, kinds: ['camera'] }));
    const out = join(d, 'run');
    const evalArgs = ['eval', '--policy', 'oracle', '--data', suite, '--out', out, '--no-progress', '--mode', 'proactive'];
    expect((await cli(...evalArgs)).code).toBe(0);
    const file = join(out, 'proactive', 'results.jsonl');
    const [first, ...rest] = readFileSync(file, 'utf8').trim().split('\n');
    const { kind: _kind, ...noKind } = JSON.parse(first) as Record<string, unknown>;
    writeFileSync(file, [JSON.stringify({ ...noKind, success: 'yes' }), ...rest].join('\n') + '\n');
    const summary = readFileSync(join(out, 'summary.json'), 'utf8');
    const damaged = /results\.jsonl:1: the record of episode "camera-00000" is damaged: kind is missing \(it must be a non-empty string\); success "yes" is not true or false; delete that line/;
    // eval resuming had counted it: a kind "undefined" at 0 % accuracy in summary.json, exit 0
    const resumed = await cli(...evalArgs);
    expect(resumed.code).toBe(1);
    expect(resumed.err).toMatch(damaged);
    expect(readFileSync(join(out, 'summary.json'), 'utf8')).toBe(summary);
    // report had stopped with "unexpected error: Cannot read properties of undefined (reading 'slice')" for a record without actions
    writeFileSync(file, [JSON.stringify({ ...noKind, actions: undefined }), ...rest].join('\n') + '\n');
    const report = await cli('report', out, '--out', join(d, 'cmp'));
    expect(report.code).toBe(1);
    expect(report.err).toMatch(/results\.jsonl:1: the record of episode "camera-00000" is damaged: kind is missing \(it must be a non-empty string\); actions is missing \(it must be a list\); delete that line/);
    // feedback pairs had imported it as it was (exit 0); refused before the database is made
    const other = join(d, 'run2');
    expect((await cli('eval', '--policy', 'random:1', '--data', suite, '--out', other, '--no-progress', '--mode', 'proactive')).code).toBe(0);
    const pairs = await cli('feedback', 'pairs', '--db-dir', join(d, 'db'), '--project', 'p', '--suite', suite, '--results', `${file},${join(other, 'proactive', 'results.jsonl')}`, '--no-progress');
    expect(pairs.code).toBe(1);
    expect(pairs.err).toMatch(/results\.jsonl:1: the record of episode "camera-00000" is damaged: kind is missing/);
    for (const r of [resumed, report, pairs]) expect(r.err.split('\n').filter((l) => l.startsWith('askfirst')), r.err).toHaveLength(1);
    expect(readdirSync(d).sort()).toEqual(['run', 'run2', 'suite']);
  });

  it('eval resumes the same data spelled another way (suite/, ./suite, suite:DIR): the fingerprint decides, other data is still refused', async () => {
    const d = tmpDir('af-cli-spelling');
    const suite = join(d, 'suite');
    await writeSuite(suite, generateSuite({ episodes: 2, seed: 3, kinds: ['camera'] }));
    const out = join(d, 'run');
    const evalOn = (data: string) => cli('eval', '--policy', 'oracle', '--data', data, '--out', out, '--no-progress', '--mode', 'proactive', '--json');
    expect((await evalOn(suite)).code).toBe(0);
    const results = readFileSync(join(out, 'proactive', 'results.jsonl'), 'utf8');
    for (const data of [`${suite}/`, join(d, '.', 'suite') + '/.', `suite:${suite}`]) {
      const r = await evalOn(data); // was refused: "holds results of a different run — data: "…/suite" before, "…/suite/" now"
      expect(r, data).toEqual({ code: 0, err: '' });
      expect(readFileSync(join(out, 'proactive', 'results.jsonl'), 'utf8')).toBe(results);
    }
    const other = join(d, 'other');
    await writeSuite(other, generateSuite({ episodes: 2, seed: 4, kinds: ['camera'] }));
    const r = await evalOn(other);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/holds results of a different run .* — data: .* before, .* now; dataFingerprint: "sha256:/);
  });

  it('eval resumes builtin:DIR spelled another way (DIR/, DIR/., a/../DIR); another model folder is still refused', async () => {
    const { newBuiltin, saveBuiltin } = await import('../agents/builtin/build.js');
    const d = tmpDir('af-cli-policy-spelling');
    const eps = generateSuite({ episodes: 2, seed: 3, kinds: ['camera'] });
    const suite = join(d, 'suite');
    await writeSuite(suite, eps);
    const ck = join(d, 'ck');
    for (const m of [ck, `${ck}2`]) saveBuiltin(m, newBuiltin(eps, { imageSize: 32, channels: [4], hidden: 8 }));
    const out = join(d, 'run');
    const evalOf = (policy: string) => cli('eval', '--policy', policy, '--data', suite, '--out', out, '--no-progress', '--mode', 'proactive');
    expect(await evalOf(`builtin:${ck}`)).toEqual({ code: 0, err: '' });
    const results = readFileSync(join(out, 'proactive', 'results.jsonl'), 'utf8');
    for (const policy of [`builtin:${ck}/`, `builtin:${ck}/.`, `builtin:${d}/suite/../ck`]) {
      const r = await evalOf(policy); // was refused: "holds results of a different run — policy: "builtin:…/ck" before, "builtin:…/ck/" now"
      expect(r, policy).toEqual({ code: 0, err: '' });
      expect(readFileSync(join(out, 'proactive', 'results.jsonl'), 'utf8')).toBe(results);
    }
    const other = await evalOf(`builtin:${ck}2`);
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/holds results of a different run .* — policy: "builtin:.*ck" before, "builtin:.*ck2" now/);
  });

  it('eval resumes a policy that reads no --seed / --sample whatever the run was given: they are not written nor compared for it', async () => {
    const d = tmpDir('af-cli-unread-seed');
    const suite = join(d, 'suite');
    await writeSuite(suite, generateSuite({ episodes: 2, seed: 3, kinds: ['camera'] }));
    const out = join(d, 'run');
    const evalOf = (...more: string[]) => cli('eval', '--data', suite, '--out', out, '--no-progress', '--mode', 'proactive', ...more);
    expect(await evalOf('--policy', 'oracle', '--policy', 'random', '--seed', '3')).toEqual({ code: 0, err: '' });
    const oracleRun = join(out, 'oracle', 'proactive');
    const results = readFileSync(join(oracleRun, 'results.jsonl'), 'utf8');
    expect(JSON.parse(readFileSync(join(oracleRun, 'run.json'), 'utf8'))).not.toHaveProperty('seed');
    expect(JSON.parse(readFileSync(join(out, 'random', 'proactive', 'run.json'), 'utf8'))).toMatchObject({ seed: 3 });
    // --seed is refused with these two, and without it the oracle's run was refused: "seed: 3 before, 0 now"
    expect(await evalOf('--policy', 'oracle', '--policy', 'random:7')).toEqual({ code: 0, err: '' });
    expect(readFileSync(join(oracleRun, 'results.jsonl'), 'utf8')).toBe(results);
    // a run.json written before (it held the oracle's --seed and --sample) resumes too; random's seed is still compared
    writeFileSync(join(oracleRun, 'run.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(oracleRun, 'run.json'), 'utf8')), seed: 5, sample: true }));
    expect(await evalOf('--policy', 'oracle', '--policy', 'random:7')).toEqual({ code: 0, err: '' });
    expect(readFileSync(join(oracleRun, 'results.jsonl'), 'utf8')).toBe(results);
    const other = await evalOf('--policy', 'oracle', '--policy', 'random', '--seed', '4');
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/random[/\\]proactive holds results of a different run .* — seed: 3 before, 4 now;/);
  });

  it('a checkpoint of an older layout: refused with the flag to use, loaded with --allow-old-checkpoint and a warning', async () => {
    const { newBuiltin, saveBuiltin } = await import('../agents/builtin/build.js');
    const { saveSafetensors } = await import('../nn/safetensors.js');
    const { ALLOW_OLD_CHECKPOINT_ENV } = await import('../nn/old-checkpoints.js');
    const d = tmpDir('af-cli-oldckpt');
    const eps = generateSuite({ episodes: 1, seed: 3, kinds: ['camera'] });
    const suite = join(d, 'suite');
    await writeSuite(suite, eps);
    const p = newBuiltin(eps, { imageSize: 32, channels: [4], hidden: 8 });
    const ck = join(d, 'ck');
    saveBuiltin(ck, p);
    saveSafetensors(join(ck, 'model.safetensors'), p.model.namedParameters().filter(([n]) => n !== 'whereConv.bias').map(([n, t]) => [n, { data: t.data, shape: t.shape }]));
    const refused = await cli('eval', '--policy', `builtin:${ck}`, '--data', suite, '--out', join(d, 'r1'), '--no-progress', '--mode', 'reference');
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/checkpoint lacks 1 parameter\(s\): whereConv\.bias\..*--allow-old-checkpoint/);
    try {
      const ok = await cli('--allow-old-checkpoint', 'eval', '--policy', `builtin:${ck}`, '--data', suite, '--out', join(d, 'r2'), '--no-progress', '--mode', 'reference');
      expect(ok.code).toBe(0);
      expect(ok.err).toMatch(/warning: .*older layout \(allowed\): filled whereConv\.bias with zeros/);
    } finally {
      delete process.env[ALLOW_OLD_CHECKPOINT_ENV];
    }
  });
});

describe('servers that cannot listen', () => {
  it('serve and env serve on a busy port name the port and the flag to change', async () => {
    const d = tmpDir('af-cli-busy');
    await writeSuite(d, generateSuite({ episodes: 1, seed: 3, kinds: ['camera'] }));
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = String((blocker.address() as AddressInfo).port);
    try {
      for (const args of [['serve', '--policy', 'random'], ['env', 'serve', '--data', d]]) {
        const r = await cli(...args, '--port', port);
        expect(r.code).toBe(1);
        expect(r.err).toMatch(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use.*choose another --port`));
        expect(r.err).not.toMatch(/unexpected error|please report/);
      }
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('a --host that is not an address of this machine (TEST-NET-1, RFC 5737) says to check --host', async () => {
    const d = tmpDir('af-cli-host');
    await writeSuite(join(d, 's'), generateSuite({ episodes: 1, seed: 3, kinds: ['camera'] }));
    for (const args of [['serve', '--policy', 'random'], ['env', 'serve', '--data', join(d, 's')]]) {
      const r = await cli(...args, '--host', '192.0.2.1', '--port', '0');
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/cannot listen on 192\.0\.2\.1: not an address of this machine; check --host/);
      expect(r.err).not.toMatch(/unexpected error|please report/);
    }
  });
});

describe('a bad value is named by the flag the user typed', () => {
  /** Every subcommand of the program (leaves only), with its words after `askfirst`. */
  async function leaves(): Promise<{ words: string[]; cmd: import('commander').Command }[]> {
    const { buildProgram } = await import('./main.js');
    const out: { words: string[]; cmd: import('commander').Command }[] = [];
    const walk = (c: import('commander').Command, words: string[]) => {
      for (const s of c.commands) {
        if (s.commands.length) walk(s, [...words, s.name()]);
        else out.push({ words: [...words, s.name()], cmd: s });
      }
    };
    walk(await buildProgram(), []);
    return out;
  }

  it('every numeric option of every subcommand: "--flag: must be a number (got …)", exit 1, nothing else said', async () => {
    let checked = 0;
    for (const { words, cmd } of await leaves()) {
      const args = cmd.registeredArguments.map(() => 'x'); // `report <runs…>`, `feedback annotator <name>`
      for (const o of cmd.options.filter((o) => o.flags.endsWith('<n>'))) {
        const r = await cli(...words, ...args, o.long!, 'NaN');
        expect(r.code, `${words.join(' ')} ${o.long}`).toBe(1);
        expect(r.err, `${words.join(' ')} ${o.long}`).toMatch(new RegExp(`^(askfirst: |  - )${o.long}: must be a number \\(got "NaN"\\)$`, 'm'));
        expect(r.err).not.toMatch(/unexpected error|please report|^\s*- [a-z]/m); // no field named by its setting (`- lr:`)
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it("commander's own complaints, on every command: one line \"askfirst: …; see askfirst <command> --help\", exit 1 (were \"error: …\" and a second line)", async () => {
    const one = async (args: string[], expected: string | RegExp) => {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(1);
      if (typeof expected === 'string') expect(r.err, args.join(' ')).toBe(expected);
      else expect(r.err, args.join(' ')).toMatch(expected);
    };
    let checked = 0;
    for (const { words, cmd } of await leaves()) {
      const args = cmd.registeredArguments.map(() => 'x');
      const help = `see askfirst ${words.join(' ')} --help`;
      await one([...words, ...args, '--no-such-option'], `askfirst: unknown option '--no-such-option'; ${help}`);
      if (!cmd.registeredArguments.some((a) => a.variadic)) {
        await one([...words, ...args, 'stray'], `askfirst: unexpected argument "stray": askfirst ${words.join(' ')} takes ${args.length || 'none: every setting is an option'}; ${help}`);
      }
      for (const o of cmd.options.filter((o) => o.argChoices)) {
        await one([...words, ...args, o.long!, 'qqqqqqqq'], `askfirst: option '${o.flags}' argument 'qqqqqqqq' is invalid. Allowed choices are ${o.argChoices!.join(', ')}; ${help}`); // close to none: no suggestion
        const close = `${o.argChoices![0]}x`; // one letter more than a choice: commander's suggestion
        await one([...words, ...args, o.long!, close], new RegExp(`^askfirst: option '${o.flags.replace(/[<>]/g, '.')}' argument '${close}' is invalid\\. Allowed choices are .* \\(Did you mean (one of )?[^?]*\\b${o.argChoices![0]}\\b[^?]*\\?\\); see`));
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
    await one(['feedback', 'nope'], "askfirst: unknown command 'nope'; see askfirst feedback --help");
    await one(['report'], "askfirst: missing required argument 'runs'; see askfirst report --help");
    await one(['eval', '--limt', '3'], "askfirst: unknown option '--limt' (Did you mean --limit?); see askfirst eval --help");
  });

  it('every subcommand takes --no-progress, so a script can pass it to each (serve, env serve and most feedback commands refused it: "unknown option")', async () => {
    let checked = 0;
    for (const { words, cmd } of await leaves()) {
      const args = cmd.registeredArguments.map(() => 'x');
      // parsed up to the option after it: the unknown one is that one, not --no-progress
      expect((await cli(...words, ...args, '--no-progress', '--no-such-option')).err, words.join(' ')).toBe(`askfirst: unknown option '--no-such-option'; see askfirst ${words.join(' ')} --help`);
      const help = cmd.options.find((o) => o.long === '--no-progress')!.description;
      expect(help, words.join(' ')).toMatch(/\bshow (a )?progress bars?\b/);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('serve, env serve, suite show, feedback import and illume show the bars of the data they read, as eval does, and --no-progress silences them', async () => {
    const d = tmpDir('af-cli-progress-read');
    const suite = join(d, 'suite');
    const [ep] = await writeSuite(suite, generateSuite({ episodes: 1, seed: 3, kinds: ['camera'] }));
    const linked = join(d, 'linked');
    mkdirSync(linked);
    writeFileSync(join(linked, 'episodes.jsonl'), readFileSync(join(suite, 'episodes.jsonl')));
    symlinkSync(join(suite, 'images'), join(linked, 'images'));
    const said: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((t: string | Uint8Array) => said.push(String(t)) > 0);
    onTestFinished(() => spy.mockRestore());
    const bars = async (run: (progress: boolean) => Promise<unknown>): Promise<[string, string]> => {
      const out: string[] = [];
      for (const progress of [true, false]) {
        said.length = 0;
        await run(progress);
        out.push(said.join(''));
      }
      return out as [string, string];
    };
    const { runServe } = await import('./serve.js');
    const { ServeSchema } = await import('./serve-schema.js');
    const { runEnvServe } = await import('./env.js');
    const { EnvServeSchema } = await import('./env-schema.js');
    const { runIllumeCommand, runImport } = await import('./feedback.js');
    const reading = /^reading suite: 1\/1 lines/m;
    const served = async (start: () => Promise<{ close(): Promise<void> }>) => (await start()).close();
    for (const [what, run] of [
      ['serve', (progress: boolean) => served(() => runServe(ServeSchema.parse({ policy: 'oracle', data: suite, port: 0, progress }), () => undefined))],
      ['env serve', (progress: boolean) => served(() => runEnvServe(EnvServeSchema.parse({ data: suite, port: 0, progress }), () => undefined))],
      ['suite show', (progress: boolean) => cli('suite', 'show', '--data', suite, '--episode', ep.id, '--tile', '32', '--out', join(d, 'sheet.png'), ...(progress ? [] : ['--no-progress']))],
      // both refused once the suite is read, before any database or training: images linked from outside the suite (the
      // workbench would not serve them), a split leaving nothing to train on
      ['feedback import', (progress: boolean) => expect(runImport({ dbDir: join(d, 'db'), project: 'p', suite: linked, progress }, () => undefined)).rejects.toThrow(/\(symlink\)/)],
      ['feedback illume', (progress: boolean) => expect(runIllumeCommand({ suite, heldOut: '0.9', rounds: '1', progress }, () => undefined)).rejects.toThrow(/--held-out 0\.9 of the 1 episode of --suite/)],
    ] as const) {
      const [shown, silent] = await bars(run);
      expect(shown, what).toMatch(reading);
      expect(silent, what).not.toMatch(/reading/);
    }
  });

  it('suite show and report accept --no-progress as suite generate and eval do (it was "unknown option")', async () => {
    const d = tmpDir('af-cli-no-progress');
    const suite = join(d, 'suite');
    const [ep] = await writeSuite(suite, generateSuite({ episodes: 1, seed: 3, kinds: ['camera'] }));
    expect(await cli('suite', 'show', '--data', suite, '--episode', ep.id, '--tile', '32', '--out', join(d, 'sheet.png'), '--no-progress')).toEqual({ code: 0, err: '' });
    expect(await cli('eval', '--policy', 'oracle', '--data', suite, '--out', join(d, 'run'), '--mode', 'proactive', '--no-progress')).toEqual({ code: 0, err: '' });
    // report shows a bar while it reads the results (it printed nothing for 28 s on 203k records); the flag silences it
    const stderr = async (...a: string[]) => {
      const text: string[] = [];
      const w = vi.spyOn(process.stderr, 'write').mockImplementation((t: string | Uint8Array) => (text.push(String(t)), true));
      try {
        expect(await cli('report', join(d, 'run'), '--out', join(d, 'rep'), ...a)).toEqual({ code: 0, err: '' });
      } finally {
        w.mockRestore();
      }
      return text.join('');
    };
    expect(await stderr('--no-progress')).toBe('');
    // and then one over rendering, which reads the examples' records again (about 10 s at 260k records, said nothing)
    expect(await stderr()).toMatch(/^reading results: [\s\S]*\nrendering report: 0\/4 steps\n(.*\n)*rendering report: 4\/4 steps in [0-9.]+s\n$/);
    expect(readdirSync(d).sort()).toEqual(['rep', 'run', 'sheet.png', 'suite']);
  });

  it('ranges, whole numbers, lists and choices say what is allowed and what was given', async () => {
    const r = async (...a: string[]) => (await cli(...a)).err;
    expect(await r('train', 'rl', '--init', 'x', '--out', 'y', '--lr', '-1')).toBe('askfirst: --lr: must be more than 0 (got -1)');
    expect(await r('serve', '--policy', 'random', '--port', '1.5')).toBe('askfirst: --port: must be a whole number (got 1.5)');
    // eval --omit-params takes every field the client may send, top_p among them (it had no entry)
    expect(await r('eval', '--policy', 'openai:http://127.0.0.1:9/v1#m', '--data', 'x', '--out', 'y', '--omit-params', 'top_p,nope')).toBe('askfirst: --omit-params: must be one of temperature, top_p, max_tokens, seed, logprobs (got "nope")');
    expect(await r('suite', 'generate', '--out', 'x', '--kinds', 'camera,nope')).toMatch(/^askfirst: --kinds: must be one of occlusion, .*camera, or a kind of your own registered first \(registerKind, or askfirst --plugin FILE\) \(got "nope"\)$/);
    expect(await r('suite', 'generate', '--out', '')).toBe('askfirst: --out: must not be empty (got "")');
    // a list flag with nothing in it was read as not given (eval --kinds "" evaluated every kind)
    expect(await r('eval', '--policy', 'oracle', '--data', 'd', '--out', 'o', '--kinds', '')).toBe('askfirst: --kinds: give at least one value, comma-separated (got "")');
    expect(await r('export', '--data', 'd', '--out', 'o', '--kinds', ' , ')).toBe('askfirst: --kinds: give at least one value, comma-separated (got " , ")');
    expect(await r('demo', '--out', 'x', '--seeds', ',')).toMatch(/^askfirst: --seeds: give at least one seed, e.g. --seeds 0,1,2/); // a list that needs items says so itself
    // several problems: one line each, under the command's name
    expect(await r('train', 'reward', '--out', 'y', '--project', 'p', '--held-out', '-1')).toBe('askfirst: invalid options of askfirst train reward:\n  - --held-out: must be at least 0 (got -1)\n  - --init: required, but not given');
  });

  it('checks across options name both flags, and come before any work (train supervised generates no suite first)', async () => {
    const sup = await refusedBeforeWork('train', 'supervised', '--out', 'never-written', '--steps', '5', '--warmup-steps', '10');
    expect(sup.err).toBe('askfirst: --warmup-steps: must be below --steps (5) (got 10): give a smaller --warmup-steps or a larger --steps');
    // a short --steps alone meets the default warm-up: said to be the default (it read as if 50 had been typed)
    expect((await cli('train', 'supervised', '--out', 'never-written', '--steps', '40')).err).toBe('askfirst: --warmup-steps: must be below --steps (40) (got 50, its default): give a smaller --warmup-steps or a larger --steps');
    expect(sup.ms).toBeLessThan(BEFORE_WORK_MS); // it generated the 3,500-episode suite first (about 25 s)
    expect((await cli('demo', '--out', 'x', '--seeds', '0,1', '--seed', '2')).err).toMatch(/^askfirst: --seed: cannot be given with --seeds: give --seeds 0,1,2 .* or --seed N for one run into --out/);
    expect((await cli('demo', '--out', 'x', '--aggregate-only', '--fresh', '--seeds', '0')).err).toBe('askfirst: --aggregate-only: --fresh would discard the runs --aggregate-only reads; give one or the other');
  });

  it('a bad value from eval --config FILE is named as the setting in that file, one typed as its flag', async () => {
    const d = tmpDir('af-cli-cfgname');
    const file = join(d, 'eval.json');
    writeFileSync(file, JSON.stringify({ maxTokens: 0 }));
    const base = ['eval', '--policy', 'oracle', '--data', d, '--out', join(d, 'o'), '--config', file];
    expect((await cli(...base)).err).toBe(`askfirst: maxTokens in --config ${file}: must be at least 1 (got 0)`);
    expect((await cli(...base, '--max-tokens', '-2')).err).toBe('askfirst: --max-tokens: must be at least 1 (got -2)');
  });
});

describe('flags no policy of the run reads', () => {
  it('eval --sample / --seed with policies that neither sample nor draw at random are refused; accepted when one of them does', async () => {
    const d = tmpDir('af-cli-policy-flags');
    const base = ['eval', '--data', join(d, 'nowhere'), '--out', join(d, 'o')];
    // the oracle answered the same with --sample (exit 0, a run that looked sampled)
    expect((await cli(...base, '--policy', 'oracle', '--sample')).err).toBe(
      'askfirst: --sample does not apply with --policy oracle: it is read by a builtin:DIR or openai:URL#MODEL policy only (the others answer the same way whether sampled or not); leave it out',
    );
    expect((await cli(...base, '--policy', 'random:3', '--seed', '2')).err).toMatch(/^askfirst: --seed does not apply with --policy random:3: it is read by random \(without its own :SEED\), builtin:DIR/);
    expect((await cli(...base, '--policy', 'oracle', '--policy', 'always-answer', '--seed', '1', '--sample')).err).toMatch(/^askfirst: --sample, --seed do not apply with --policy oracle, always-answer: --sample is read by/);
    // read by one of the policies, or by random without its own seed: on to the data (which is not there)
    for (const p of [['--policy', 'oracle', '--policy', 'builtin:x', '--sample'], ['--policy', 'random', '--seed', '2']]) expect((await cli(...base, ...p)).err).toMatch(/no directory at/);
  });
  it('--data suite: with no folder says so (it said "no directory at " with an empty path)', async () => {
    const d = tmpDir('af-cli-data-empty');
    for (const spec of ['suite:', 'proactivebench:']) expect((await cli('eval', '--policy', 'oracle', '--data', spec, '--out', join(d, 'o'))).err).toBe(`askfirst: --data ${spec} names no folder; give ${spec}DIR (the folder of the data)`);
  });
  it('--data with a prefix askfirst does not read (file:X) names the prefixes it does (it said "no directory at file:X")', async () => {
    const d = tmpDir('af-cli-data-prefix');
    const suite = join(d, 'suite');
    await writeSuite(suite, generateSuite({ episodes: 1, seed: 3, kinds: ['camera'] }));
    for (const args of [['eval', '--policy', 'oracle', '--out', join(d, 'o')], ['export', '--out', join(d, 'x')]]) {
      const r = await cli(...args, '--data', `file:${suite}`, '--no-progress');
      expect(r, args[0]).toEqual({ code: 1, err: `askfirst: --data file:${suite}: there is no folder of that name, and "file:" is no prefix askfirst reads; give suite:DIR (askfirst's format), proactivebench:DIR (ProactiveBench's layout), or the folder alone (its files tell which)` });
    }
    const plain = await cli('eval', '--policy', 'oracle', '--data', join(d, 'nope'), '--out', join(d, 'o'), '--no-progress');
    expect(plain.err).toBe(`askfirst: --data: no directory at ${join(d, 'nope')}`); // no prefix: as before
    expect(readdirSync(d)).toEqual(['suite']);
  });
  it('eval --api-key-env naming a variable that is not set is refused (it sent OPENAI_API_KEY in its place, or no key, without a word)', async () => {
    const d = tmpDir('af-cli-key-env');
    delete process.env.AF_TEST_UNSET_EVAL_KEY;
    const before = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = 'sk-other';
    try {
      const args = ['eval', '--policy', 'openai:http://127.0.0.1:9/v1#m', '--data', join(d, 'nowhere'), '--out', join(d, 'o')];
      expect((await cli(...args, '--api-key-env', 'AF_TEST_UNSET_EVAL_KEY')).err).toBe(
        'askfirst: --api-key-env AF_TEST_UNSET_EVAL_KEY: that environment variable is not set (or empty), so OPENAI_API_KEY would be sent in its place; export AF_TEST_UNSET_EVAL_KEY=KEY first, or leave --api-key-env out',
      );
      expect((await cli(...args)).err).toMatch(/no directory at/); // the default variable still falls back to OPENAI_API_KEY
      process.env.AF_TEST_UNSET_EVAL_KEY = 'k';
      expect((await cli(...args, '--api-key-env', 'AF_TEST_UNSET_EVAL_KEY')).err).toMatch(/no directory at/);
    } finally {
      delete process.env.AF_TEST_UNSET_EVAL_KEY;
      if (before === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = before;
    }
  });
  it('feedback serve --play-policy naming no policy is refused before the workbench starts', async () => {
    const d = tmpDir('af-cli-play-policy');
    const r = await cli('feedback', 'serve', '--db-dir', join(d, 'db'), '--port', '0', '--play-policy', 'bogus');
    expect(r.err).toMatch(/^askfirst: --play-policy: unknown policy "bogus"; the policies: oracle, /);
    expect(readdirSync(d)).toEqual([]); // no database made, no server started
  });
  it('feedback simulate --bias-rate without --bias confident is refused', async () => {
    const d = tmpDir('af-cli-bias-rate');
    expect((await cli('feedback', 'simulate', '--db-dir', join(d, 'db'), '--project', 'p', '--bias-rate', '0.5')).err).toBe(
      'askfirst: --bias-rate does not apply with --bias none (the default): it is read with --bias confident only (the share of ask-vs-answer pairs the bias decides); leave it out, or add --bias confident',
    );
    expect((await cli('feedback', 'simulate', '--db-dir', join(d, 'db'), '--project', 'p', '--bias-rate', '0.5', '--bias', 'confident')).err).toMatch(/no feedback database at/);
    expect(readdirSync(d)).toEqual([]);
  });
});

describe('a mistyped --db-dir or --suite leaves nothing behind', () => {
  it('commands that read the workbench database refuse a --db-dir that is not there instead of making an empty one; import reads --suite first', async () => {
    const d = tmpDir('af-cli-nodb');
    const db = join(d, 'no-such-db');
    const runs: string[][] = [
      ['feedback', 'status', '--db-dir', db],
      ['feedback', 'agreement', '--db-dir', db, '--project', 'p'],
      ['feedback', 'export', '--db-dir', db, '--project', 'p', '--format', 'dpo', '--out', join(d, 'prefs.jsonl')],
      ['feedback', 'simulate', '--db-dir', db, '--project', 'p'],
      ['train', 'reward', '--db-dir', db, '--project', 'p', '--init', d, '--out', join(d, 'rm')],
      ['train', 'dpo', '--db-dir', db, '--project', 'p', '--init', d, '--out', join(d, 'dpo')],
    ];
    for (const args of runs) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err, args.join(' ')).toBe(`askfirst: no feedback database at ${db} (--db-dir): \`askfirst feedback import\` or \`askfirst feedback pairs\` makes one; give the --db-dir they used (or set DATABASE_URL)`);
    }
    const imp = await cli('feedback', 'import', '--db-dir', db, '--project', 'p', '--suite', join(d, 'no-such-suite'));
    expect(imp.code).toBe(1);
    expect(imp.err).toMatch(/no suite at .*no-such-suite/);
    expect(readdirSync(d)).toEqual([]); // no database, no export, no run folder
  });
});

describe('a --db-dir that a command would make anew', () => {
  it('a new one is said first (a mistyped path would be served empty); one whose parent folder is missing too is refused, nothing made', async () => {
    // Measured before: `feedback serve --db-dir ~/projcts/db` (a typo) made ~/projcts/db and served an empty database,
    // saying only "opening the feedback database in …".
    const d = tmpDir('af-cli-newdb');
    const typo = join(d, 'no-such-parent', 'db');
    for (const args of [
      ['feedback', 'annotator', 'ann'],
      ['feedback', 'import', '--project', 'p', '--demo', '1'],
      ['feedback', 'serve', '--port', '0'], // last: without the check it serves (the test then times out)
    ]) {
      const r = await cli(...args, '--db-dir', typo);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err, args.join(' ')).toBe(
        `askfirst: --db-dir ${typo}: neither it nor its parent folder ${join(d, 'no-such-parent')} exists (a mistyped path?): to open an existing database, check the path; to make a new one there, create ${join(d, 'no-such-parent')} first (mkdir -p ${join(d, 'no-such-parent')})`,
      );
    }
    expect(readdirSync(d)).toEqual([]);
    // its parent there: made, and said so before the opening line; opened again, only the opening line
    const db = join(d, 'db');
    const { runAnnotator } = await import('./feedback.js'); // its notes go to stderr, which cli() does not capture
    const notes: string[] = [];
    await runAnnotator('ann', { dbDir: db }, () => undefined, (line) => notes.push(line));
    expect(notes).toEqual([
      `feedback annotator: creating a new feedback database in ${db}: it does not exist yet; to open an existing one, check the path`,
      `feedback annotator: opening the feedback database in ${db} (PGlite: a few seconds)`,
    ]);
    notes.length = 0;
    await runAnnotator('ann2', { dbDir: db }, () => undefined, (line) => notes.push(line));
    expect(notes).toEqual([`feedback annotator: opening the feedback database in ${db} (PGlite: a few seconds)`]);
  }, 120_000);
});

describe('an --out folder that is a file', () => {
  it('is refused before any work, by every command that writes a folder there', async () => {
    const d = tmpDir('af-cli-outfile');
    const file = join(d, 'taken');
    writeFileSync(file, 'a file');
    const runs = [
      ['demo', '--quick'], // generated its suites for about 20 s first
      ['train', 'supervised'], // generated 3,500 episodes first
      ['train', 'rl', '--init', d],
      ['train', 'presence', '--init', d],
      ['train', 'reward', '--init', d, '--project', 'p', '--db-dir', d],
      ['train', 'dpo', '--init', d, '--project', 'p', '--db-dir', d],
      ['eval', '--policy', 'oracle', '--data', d],
      ['probe', 'injection', '--policy', 'oracle'],
      ['suite', 'generate'],
      ['report', d],
      ['feedback', 'demo'],
      ['export', '--data', d], // was "cannot write …: … is a file, not a directory", at its lock
    ];
    for (const args of runs) {
      const r = await refusedBeforeWork(...args, '--out', file);
      expect(r.err, args.join(' ')).toBe(`askfirst: --out: ${file} is a file; give a folder (a new one is created)`);
      expect(r.ms, args.join(' ')).toBeLessThan(BEFORE_WORK_MS);
    }
    expect(readdirSync(d)).toEqual(['taken']);
  });

  it('so is a --db-dir that is a file, before the "opening the feedback database" line', async () => {
    const d = tmpDir('af-cli-dbfile');
    const file = join(d, 'taken');
    writeFileSync(file, 'a file');
    for (const args of [
      ['feedback', 'status'],
      ['feedback', 'serve'],
      ['train', 'reward', '--init', d, '--project', 'p', '--out', join(d, 'rm')],
    ]) {
      const r = await cli(...args, '--db-dir', file);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err, args.join(' ')).toMatch(new RegExp(`^askfirst: (invalid options of askfirst train reward:\\n  - )?--db-dir: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is a file; give a folder`));
    }
    expect(readdirSync(d)).toEqual(['taken']);
  });
});

describe('a path starting with ~ that the shell left as it is (quoted, or after "=")', () => {
  it('an --out is refused before any work (it wrote into a folder named ~ in the working directory); a missing input says why', async () => {
    const d = tmpDir('af-cli-tilde');
    const prev = process.cwd();
    process.chdir(d);
    onTestFinished(() => process.chdir(prev));
    const hint = 'askfirst does not expand ~: the shell does, only where it is not quoted and not after "="; write the path as $HOME/…, or leave the quotes off';
    for (const args of [['suite', 'generate', '--episodes', '1', '--kinds', 'camera'], ['eval', '--policy', 'oracle', '--data', d]]) {
      const r = await cli(...args, '--out', '~/af-out', '--no-progress');
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err, args.join(' ')).toBe('askfirst: --out: ~/af-out starts with ~, which askfirst does not expand (the shell does, only where it is not quoted and not after "="); write the path as $HOME/…, or ./~ for a folder named ~');
    }
    for (const args of [['suite', 'show', '--data', d, '--episode', 'x'], ['feedback', 'export', '--project', 'p', '--format', 'sft', '--db-dir', d]]) {
      const r = await cli(...args, '--out', '~/af-file'); // files: the PNG sheet, the JSONL
      expect(r.err, args.join(' ')).toBe('askfirst: --out: ~/af-file starts with ~, which askfirst does not expand (the shell does, only where it is not quoted and not after "="); write the path as $HOME/…, or ./~ for a folder named ~');
    }
    expect(readdirSync(d)).toEqual([]);
    const data = await cli('eval', '--policy', 'oracle', '--data', '~/af-suite', '--out', join(d, 'run'), '--no-progress'); // was "--data: no directory at ~/af-suite", no reason given
    expect(data.err).toBe(`askfirst: --data: no directory at ~/af-suite (${hint})`);
    const cfg = await cli('eval', '--config', '~/af.json', '--data', d, '--out', join(d, 'run'));
    expect(cfg.err).toBe(`askfirst: --config ~/af.json: no such file (${hint})`);
    const dot = await cli('suite', 'generate', '--episodes', '1', '--kinds', 'camera', '--out', './~/s', '--no-progress'); // a folder named ~, asked for
    expect(dot.code).toBe(0);
    await expect(readSuite(join(d, '~', 's'))).resolves.toHaveLength(1);
  });
});

describe('a checkpoint named by --init that is not there', () => {
  it('feedback demo refuses it before any work (it generated its suites first, tens of seconds)', async () => {
    const d = tmpDir('af-cli-noinit');
    const r = await refusedBeforeWork('feedback', 'demo', '--out', join(d, 'fd'), '--init', join(d, 'no-such-run'), '--no-progress');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^askfirst: no model checkpoint in .*no-such-run/);
    expect(r.ms).toBeLessThan(BEFORE_WORK_MS);
  });
});

describe('a JSON file named by a flag', () => {
  it('missing, a folder, or not JSON: the flag, the path and which of the three, not the system error', async () => {
    const d = tmpDir('af-cli-jsonflag');
    await writeSuite(join(d, 's'), generateSuite({ episodes: 1, seed: 3, kinds: ['camera'] }));
    writeFileSync(join(d, 'bad.json'), '{"temperature": ');
    writeFileSync(join(d, 'text.json'), 'temperature 1\n'); // V8 quotes short text in its message, newline and all
    const cases: [string, string][] = [
      [join(d, 'nope.json'), 'no such file'],
      [d, 'is a folder; give a JSON file'],
      [join(d, 'bad.json'), 'not a JSON file ('],
      [join(d, 'text.json'), 'not a JSON file ('],
    ];
    for (const [path, why] of cases) {
      const ev = await cli('eval', '--policy', 'oracle', '--data', join(d, 's'), '--out', join(d, 'o'), '--config', path);
      expect(ev.err).toContain(`askfirst: --config ${path}: ${why}`);
      const env = await cli('env', 'serve', '--data', join(d, 's'), '--port', '0', '--reward-config', path);
      expect(env.err).toContain(`askfirst: --reward-config ${path}: ${why}`);
      for (const r of [ev, env]) expect(r.err).not.toMatch(/EISDIR|ENOENT|illegal operation|cannot read it as JSON/);
      for (const r of [ev, env]) expect(r.err.split('\n'), r.err).toHaveLength(1);
    }
  });
});

describe('a folder where a JSONL file is expected', () => {
  it('feedback pairs --results DIR and --policy scripted:DIR name it, not "unexpected error: EISDIR"', async () => {
    const d = tmpDir('af-cli-jsonldir');
    const suite = join(d, 's');
    await writeSuite(suite, generateSuite({ episodes: 1, seed: 3, kinds: ['camera'] }));
    const runs = [
      ['feedback', 'pairs', '--db-dir', join(d, 'db'), '--project', 'p', '--suite', suite, '--results', d],
      ['eval', '--policy', `scripted:${d}`, '--data', suite, '--out', join(d, 'e'), '--mode', 'proactive', '--no-progress'],
    ];
    for (const args of runs) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err, args.join(' ')).toContain(`askfirst: ${d} is a folder; give a JSONL file`);
    }
  });
});

describe('values checked beyond their schema are named by flag too', () => {
  it('env serve --weights, probe hallucination --categories; eval --extra-body and --policy before the data is read', async () => {
    const d = tmpDir('af-cli-deepflag');
    await writeSuite(join(d, 's'), generateSuite({ episodes: 1, seed: 3, kinds: ['camera'] }));
    expect((await cli('env', 'serve', '--data', join(d, 's'), '--port', '0', '--weights', 'nope=1')).err).toMatch(/^askfirst: --weights: unknown name\(s\) nope; known: correct, /);
    expect((await cli('probe', 'hallucination', '--policy', 'oracle', '--out', join(d, 'p'), '--categories', 'circle,unicorn')).err).toMatch(/^askfirst: --categories: unknown category "unicorn"; known: circle, /);
    expect((await cli('probe', 'hallucination', '--policy', 'oracle', '--out', join(d, 'p'), '--categories', 'circle,squar,star,cross')).err).toMatch(/^askfirst: --categories: unknown category "squar" \(Did you mean square\?\); known: circle, /);
    expect((await cli('probe', 'hallucination', '--policy', 'oracle', '--out', join(d, 'p'), '--categories', 'circle,circle,square')).err).toBe('askfirst: --categories: needs at least 4 distinct categories (absent ones are drawn from them), got 2');
    // a --policy that names no policy, or a malformed openai: one, is refused before the data is read (it came after "fingerprinting …")
    for (const [spec, why] of [['nope', /^askfirst: unknown policy "nope"; the policies: oracle, random\[:SEED\], .*builtin:DIR \(--help says what each is\)$/], ['openai:http://127.0.0.1:9/v1', /^askfirst: "http:\/\/127\.0\.0\.1:9\/v1" has no "#MODEL" part/]] as const) {
      expect((await cli('eval', '--policy', spec, '--data', join(d, 'no-such-suite'), '--out', join(d, 'e'))).err).toMatch(why);
    }
    const eb = await cli('eval', '--policy', 'openai:http://127.0.0.1:9/v1#m', '--data', join(d, 'no-such-suite'), '--out', join(d, 'e'), '--extra-body', '[1]');
    expect(eb.err).toBe('askfirst: --extra-body must be a JSON object, got "[1]"'); // not "no suite at …": the flag is checked first
    expect(readdirSync(d)).toEqual(['s']);
  });

  it('a kind given twice to a command that generates episodes is refused before anything is written (suite generate wrote images/, then failed on duplicate ids)', async () => {
    const d = tmpDir('af-cli-dupkind');
    const runs = [
      ['suite', 'generate', '--out', join(d, 'suite'), '--episodes', '1'],
      ['train', 'rl', '--init', d, '--out', join(d, 'rl')],
      ['probe', 'injection', '--policy', 'oracle', '--out', join(d, 'probe')],
    ];
    for (const args of runs) expect((await cli(...args, '--kinds', 'camera,sketch,camera')).err, args.join(' ')).toBe('askfirst: --kinds: lists camera more than once; give each kind once');
    expect(readdirSync(d)).toEqual([]);
  });
});

describe('remote-model flags that the chosen policy does not read are refused, not ignored', () => {
  it('eval and probe name the flags and the policy that reads them; nothing is written', async () => {
    const d = tmpDir('af-cli-unread');
    await writeSuite(join(d, 's'), generateSuite({ episodes: 1, seed: 3, kinds: ['camera'] }));
    const ev = (...a: string[]) => cli('eval', '--data', join(d, 's'), '--out', join(d, 'e'), '--no-progress', ...a);
    const one = await ev('--policy', 'builtin:runs/rl', '--max-tokens', '4096');
    expect(one.code).toBe(1);
    expect(one.err).toBe('askfirst: --max-tokens does not apply with --policy builtin:runs/rl (not an openai: policy): it is read by an openai:URL#MODEL policy only, for the requests it sends; leave it out, or use an openai: policy');
    const many = await ev('--policy', 'oracle', '--policy', 'always-answer', '--no-logprobs', '--history', '--concurrency', '4');
    expect(many.err).toBe(
      'askfirst: --history, --no-logprobs, --concurrency do not apply with --policy oracle, always-answer (none of them an openai: policy): --history, --no-logprobs are read by an openai:URL#MODEL policy only, for the requests it sends; --concurrency is read by an openai:URL#MODEL policy or a --judge only, for their HTTP client, and this run has no --judge; leave them out, or use an openai: policy',
    );
    // from a --config file too
    writeFileSync(join(d, 'gen.json'), JSON.stringify({ temperature: 1 }));
    expect((await ev('--policy', 'oracle', '--config', join(d, 'gen.json'))).err).toBe('askfirst: --temperature does not apply with --policy oracle (not an openai: policy): it is read by an openai:URL#MODEL policy only, for the requests it sends; leave it out, or use an openai: policy');
    expect((await ev('--policy', 'oracle', '--judge', 'openai:http://127.0.0.1:9/v1#j')).err).toBe('askfirst: --judge is read only by the open-ended mode: add open to --mode (e.g. --mode proactive,open), or leave --judge out');
    const probe = await cli('probe', 'injection', '--policy', 'oracle', '--out', join(d, 'p'), '--system-prompt', 'be brief', '--retries', '0');
    expect(probe.err).toMatch(/^askfirst: --system-prompt, --retries do not apply with --policy oracle \(not an openai: policy\): --system-prompt is read by an openai:URL#MODEL policy only, for the requests it sends; --retries is read by an openai:URL#MODEL policy or a --judge only, for their HTTP client, and this run has no --judge; leave them out/);
    const judge0 = await cli('probe', 'hallucination', '--policy', 'oracle', '--out', join(d, 'p'), '--judge', 'openai:http://127.0.0.1:9/v1#j', '--open-scenes', '0');
    expect(judge0.err).toBe('askfirst: --judge grades the open questions, and --open-scenes 0 asks none: leave --judge out, or give --open-scenes a number above 0');
    expect(readdirSync(d).sort()).toEqual(['gen.json', 's']);
  });

  it('count what the user gave, never what the resolved config holds (eval, train rl): a setting there but not given is not refused, one given at its default is', async () => {
    const { runEval } = await import('./eval.js');
    const { EvalCommandSchema } = await import('./eval-schema.js');
    const d = tmpDir('af-cli-given');
    await writeSuite(join(d, 's'), generateSuite({ episodes: 1, seed: 3, kinds: ['camera'] }));
    // maxTokens in the config as a schema default would put it there (256, the default the HTTP policy uses), not typed
    const cfg = EvalCommandSchema.parse({ policy: ['oracle'], data: join(d, 's'), out: join(d, 'e'), progress: false, mode: ['proactive'], maxTokens: 256 });
    await expect(runEval(cfg, () => {}, { policy: ['oracle'], data: join(d, 's'), out: join(d, 'e'), progress: false })).resolves.toMatchObject({ policy: 'oracle' });
    await expect(runEval(cfg, () => {}, { policy: ['oracle'], maxTokens: '256' })).rejects.toThrow(/^--max-tokens does not apply with --policy oracle/);
    // train rl: --group-size (grpo's, default 8) in a ppo config that the user did not give: not refused (the missing checkpoint is what fails)
    const { checkRLStage, runRLStage } = await import('./train.js');
    const { RLStageSchema } = await import('./train-schema.js');
    const rl = RLStageSchema.parse({ init: join(d, 'no-ckpt'), out: join(d, 'rl'), algorithm: 'ppo', groupSize: 8 });
    await expect(checkRLStage(rl, { init: join(d, 'no-ckpt'), algorithm: 'ppo' })).resolves.toBeUndefined();
    await expect(runRLStage(rl)).rejects.toThrow(/no model checkpoint in/);
    await expect(checkRLStage(rl, { init: join(d, 'no-ckpt'), algorithm: 'ppo', groupSize: '8' })).rejects.toThrow(/^--group-size does not apply to --algorithm ppo/);
  });

  it('are accepted when some policy reads them (an openai: one among several), and client flags when a judge reads them', async () => {
    const { refuseUnreadHttpFlags } = await import('./eval-http.js');
    expect(() => refuseUnreadHttpFlags({ maxTokens: 9, concurrency: 2 }, ['oracle', 'openai:http://x/v1#m'], false)).not.toThrow();
    expect(() => refuseUnreadHttpFlags({ concurrency: 2, timeout: 5 }, ['oracle'], true)).not.toThrow();
    expect(() => refuseUnreadHttpFlags({ maxTokens: 9 }, ['oracle'], true)).toThrow(/^--max-tokens does not apply with --policy oracle \(not an openai: policy\): it is read by an openai:URL#MODEL policy only/);
    // defaults (as a resolved config holds them) are not something the user gave
    expect(() => refuseUnreadHttpFlags({ logprobs: true, jpegPassthrough: true, history: false, askfirstHeaders: false }, ['oracle'], false)).not.toThrow();
  });
});

/** Paths a careless or unlucky user gives: links that loop or lead nowhere, names longer than a file system takes, mount points. */
describe('awkward paths', () => {
  it('a symbolic link loop or a link to nothing as --out, --data, builtin: or a run: named as such (was "unexpected error: ELOOP" or "no directory at")', async () => {
    const d = tmpDir('af-cli-loop');
    const suite = join(d, 'suite');
    await writeSuite(suite, generateSuite({ episodes: 1, seed: 3, kinds: ['camera'] }));
    symlinkSync(join(d, 'loop-b'), join(d, 'loop-a'));
    symlinkSync(join(d, 'loop-a'), join(d, 'loop-b'));
    symlinkSync(join(d, 'gone'), join(d, 'dangling'));
    const loop = join(d, 'loop-a');
    for (const args of [['suite', 'generate', '--episodes', '1', '--no-progress', '--out', loop], ['eval', '--policy', 'oracle', '--data', suite, '--no-progress', '--out', loop], ['export', '--data', suite, '--no-progress', '--out', loop]]) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(1);
      // export reads --out first (is it an earlier export?), before the data and the lock: "cannot use"; the others write it first
      expect(r.err, args.join(' ')).toMatch(/^askfirst: cannot (write|use) \/.*\/loop-a(\/proactive)?: a symbolic link on it leads back to itself \(a link loop\); fix or remove the link, or give another path$/);
    }
    const data = await cli('eval', '--policy', 'oracle', '--data', loop, '--out', join(d, 'r'), '--no-progress');
    expect(data.err).toBe(`askfirst: --data: no directory at ${loop}: a symbolic link on it leads back to itself (a link loop)`);
    const gone = await cli('eval', '--policy', 'oracle', '--data', join(d, 'dangling'), '--out', join(d, 'r'), '--no-progress');
    expect(gone.err).toBe(`askfirst: --data: no directory at ${join(d, 'dangling')}: it is a symbolic link to ${join(d, 'gone')}, which does not exist`);
    const model = await cli('eval', '--policy', `builtin:${loop}`, '--data', suite, '--out', join(d, 'r'), '--no-progress');
    expect(model.err).toMatch(/^askfirst: no model checkpoint in .*loop-a: a symbolic link on it leads back to itself \(a link loop\); give a model folder/);
    const scripted = await cli('eval', '--policy', `scripted:${loop}`, '--data', suite, '--out', join(d, 'r'), '--no-progress');
    expect(scripted.err).toMatch(/^askfirst: cannot use .*loop-a: a symbolic link on it leads back to itself/);
    const run = await cli('report', join(d, 'dangling'), '--out', join(d, 'rep'));
    expect(run.err).toBe(`askfirst: ${join(d, 'dangling')}: it is a symbolic link to ${join(d, 'gone')}, which does not exist — give the --out directory of an askfirst eval run`);
    expect(readdirSync(d).sort()).toEqual(['dangling', 'loop-a', 'loop-b', 'suite']);
  });

  it('a name longer than a file system takes (255 bytes: 86 × "中" is 258) or a path over 4,096 bytes: says which, shortened (was "unexpected error: ENAMETOOLONG")', async () => {
    const d = tmpDir('af-cli-long');
    const name = '中'.repeat(86);
    const r = await cli('suite', 'generate', '--episodes', '1', '--no-progress', '--out', join(d, name));
    expect(r.code).toBe(1);
    // the path itself is shortened to its two ends when over 120 characters (a TMPDIR deeper than /tmp makes it so)
    expect(r.err.startsWith('askfirst: cannot write ')).toBe(true);
    expect(r.err.endsWith(`${name.slice(-50)}: a name in it (${name}) is 258 bytes, more than the 255 a file system allows; choose a shorter path`)).toBe(true);
    expect(r.err.split('\n')).toHaveLength(1);
    const deep = join(d, ...Array.from({ length: 17 }, () => 'e'.repeat(250)));
    const p = await cli('suite', 'generate', '--episodes', '1', '--no-progress', '--out', deep);
    expect(p.err).toMatch(/^askfirst: cannot write .{50}…e{50}: the whole path is \d{4} bytes, more than the file system allows \(4,096 on Linux\); choose a shorter path$/);
    expect(readdirSync(d)).toEqual([]);
  });

  it("a command an error suggests runs as printed in sh for a path with a space, a quote and $ (it was printed unquoted: sh split it)", async () => {
    const d = tmpDir('af-cli-quote');
    const dir = join(d, "my $HOME's suite");
    mkdirSync(dir);
    const r = await cli('eval', '--policy', 'oracle', '--data', dir, '--out', join(d, 'r'), '--no-progress');
    expect(r.code).toBe(1);
    const cmd = /`(askfirst suite generate [^`]*)`/.exec(r.err)?.[1];
    expect(cmd).toBe(`askfirst suite generate --out '${d}/my $HOME'\\''s suite'`);
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'askfirst.js');
    const env = { ...process.env, AF_NODE: process.execPath, AF_BIN: bin };
    execFileSync('sh', ['-c', `askfirst() { "$AF_NODE" "$AF_BIN" "$@"; }; ${cmd} --episodes 1 --kinds camera --no-progress`], { env, stdio: 'pipe' });
    expect(readdirSync(dir).sort()).toEqual(['episodes.jsonl', 'images', 'suite.json']);
    expect(readdirSync(d)).toEqual([basename(dir)]);
  });

  it('a name near the limit (240 bytes) works for export, whose folder is made under a longer hidden name beside it (was ENAMETOOLONG on that name)', async () => {
    const d = tmpDir('af-cli-long-export');
    const suite = join(d, 'suite');
    await writeSuite(suite, generateSuite({ episodes: 1, seed: 3, kinds: ['camera'] }));
    const out = join(d, 'é'.repeat(120)); // 240 bytes
    const r = await cli('export', '--data', suite, '--out', out, '--no-progress');
    expect(r).toEqual({ code: 0, err: '' });
    expect(readdirSync(out).sort()).toEqual(['README.md', 'images', 'train.jsonl', 'train.parquet']);
    expect(readdirSync(d).sort()).toEqual(['suite', 'é'.repeat(120)]); // nothing left beside it
  });

  it.skipIf(process.getuid?.() !== 0)('a mount point as export --out or --db-dir: refused before any work, naming a folder inside it (was EBUSY after the work) [root: mounts a tmpfs]', async () => {
    const { execFileSync } = await import('node:child_process');
    const d = tmpDir('af-cli-mount');
    const suite = join(d, 'suite');
    await writeSuite(suite, generateSuite({ episodes: 1, seed: 3, kinds: ['camera'] }));
    const mnt = join(d, 'mnt');
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', mnt]);
    onTestFinished(() => void execFileSync('umount', [mnt]));
    const r = await cli('export', '--data', suite, '--out', mnt, '--no-progress');
    expect(r).toEqual({ code: 1, err: `askfirst: --out ${mnt} is a mount point (a file system of its own): askfirst makes this folder beside it and renames it into place, which cannot be done to a mount point; give a folder inside it, e.g. ${join(mnt, 'export')}` });
    const db = await cli('feedback', 'status', '--db-dir', mnt);
    expect(db.code).toBe(1); // status makes no database: nothing there
    const imp = await cli('feedback', 'import', '--db-dir', mnt, '--project', 'p', '--suite', suite);
    expect(imp.err).toMatch(/--db-dir .*mnt is a mount point \(a file system of its own\): .*give a folder inside it, e\.g\. .*mnt\/feedback-db$/);
    expect(readdirSync(mnt)).toEqual([]);
    expect(readdirSync(d).sort()).toEqual(['mnt', 'suite']);
  });
});

describe('exit status: the same for every command, as --help and README.md say', () => {
  const bin = join(dirname(dirname(dirname(fileURLToPath(import.meta.url)))), 'bin', 'askfirst.js');
  const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

  it('askfirst --help and README.md list the same statuses', () => {
    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain(EXIT_STATUS_HELP);
    const readme = readFileSync(join(dirname(bin), '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Exit status'), readme.indexOf('## Tests'));
    const rows = [...section.matchAll(/^\| ([\d, ]+) \|/gm)].map((m) => m[1].split(', ').map(Number)).flat();
    const listed = [...EXIT_STATUS_HELP.matchAll(/\b(\d+)\b/g)].map((m) => Number(m[1]));
    expect(rows).toEqual([0, 1, SIGNAL_EXIT.SIGINT, SIGNAL_EXIT.SIGTERM, CLOSED_PIPE_EXIT]);
    expect(listed).toEqual(rows);
    // each status's clause ends as the README's row does: the 141 line once stopped at "unless an error had set its own"
    const closedPipeRow = section.split('\n').find((l) => l.startsWith(`| ${CLOSED_PIPE_EXIT} |`))!;
    const unless = /unless [^|]*?(?= \|)/.exec(closedPipeRow)![0];
    expect(EXIT_STATUS_HELP.split('\n').find((l) => l.trimStart().startsWith(String(CLOSED_PIPE_EXIT)))).toMatch(new RegExp(`${unless}$`));
  });

  it('0 when done, 1 for a usage error and for an error in the work alike (signals: interrupt.test.ts; a closed pipe: closed-pipe.test.ts)', { timeout: 60_000 }, () => {
    expect(run('--version').status).toBe(0);
    const usage = run('eval', '--nosuch');
    expect(usage.status).toBe(1);
    expect(usage.stderr).toContain("askfirst: unknown option '--nosuch'; see askfirst eval --help\n");
    const dir = tmpDir('af-exit');
    const failed = run('eval', '--data', join(dir, 'missing'), '--policy', 'oracle', '--out', join(dir, 'out'));
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/^askfirst: .*missing/m);
  });
});

describe('an error between the steps of a training run', () => {
  it("ends its progress bar as failed (where it failed), before the error's line, never with the finished line", async () => {
    const d = tmpDir('af-cli-midrun');
    const sup = join(d, 'sup');
    const { trainSupervised } = await import('../rl/supervised.js');
    const { supervisedSuite } = await import('../suite/splits.js');
    const { JsonlAppender } = await import('../util/fsx.js');
    await trainSupervised({ out: sup, steps: 2, warmupSteps: 1, batchSize: 4, progress: false, reportTo: ['none'], model: { imageSize: 32, channels: [4, 8], hidden: 16, embedDim: 8 } }, supervisedSuite({ episodes: 2, seed: 1, size: 32 }));
    // the bars as plain lines (TERM=dumb), kept in one list with the error's line (console.error) to see their order
    vi.stubEnv('TERM', 'dumb');
    const said: string[] = [];
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (said.push(String(chunk)), true));
    // a full disk at train.jsonl's second line (step 10 of 20)
    let appended = 0;
    const append = vi.spyOn(JsonlAppender.prototype, 'append').mockImplementation(function (this: InstanceType<typeof JsonlAppender>) {
      if (++appended === 2) throw fsErr('ENOSPC', 'write', this.path);
    });
    onTestFinished(() => {
      append.mockRestore();
      write.mockRestore();
      vi.unstubAllEnvs();
    });
    captureConsole('error', (line) => said.push(`${line}\n`));
    captureConsole('log');
    await main(['node', 'askfirst', 'train', 'presence', '--init', sup, '--out', join(d, 'pres'), '--scenes', '16', '--held-out', '16', '--size', '48', '--steps', '20', '--batch-size', '8', '--log-every', '5']);
    expect(process.exitCode).toBe(1);
    const text = said.join('');
    expect(text).toMatch(/no space left/i);
    expect(text).toMatch(/^presence: failed at 9\/20 steps after \d+\.\ds$/m); // was "presence: 9/20 steps in 0.1s", as if it had finished
    expect(text).not.toMatch(/^presence: \d+\/20 steps in /m);
    // the failed line came before the error's line
    expect(said.findIndex((s) => s.startsWith('presence: failed at 9/20 steps'))).toBeLessThan(said.findIndex((s) => /no space left/i.test(s)));
  }, 60_000);
});
