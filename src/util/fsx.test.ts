import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { AtomicFileWriter, readJsonFlagFile, writeDirAtomic, writeFileAtomic, writeFileAtomicSync } from './fsx.js';
import { siblingStem } from './sibling-name.js';

const tmp = () => tmpDir('askfirst-fsx');

describe('atomic writes', () => {
  it('write the whole file into a new directory and leave no temp file behind', async () => {
    const d = tmp();
    const big = new Uint8Array(3_000_000).map((_, i) => i % 251);
    writeFileAtomicSync(join(d, 'a', 'sync.bin'), big);
    await writeFileAtomic(join(d, 'a', 'async.txt'), 'héllo\n');
    expect(Buffer.compare(readFileSync(join(d, 'a', 'sync.bin')), Buffer.from(big))).toBe(0);
    expect(readFileSync(join(d, 'a', 'async.txt'), 'utf8')).toBe('héllo\n');
    expect(readdirSync(join(d, 'a')).sort()).toEqual(['async.txt', 'sync.bin']);
  });

  it('when the rename fails, throw and remove the temp file', async () => {
    const d = tmp();
    mkdirSync(join(d, 'taken'));
    writeFileSync(join(d, 'taken', 'x'), 'x'); // a non-empty directory cannot be replaced by a file
    expect(() => writeFileAtomicSync(join(d, 'taken'), 'data')).toThrow();
    await expect(writeFileAtomic(join(d, 'taken'), 'data')).rejects.toThrow();
    expect(readdirSync(d)).toEqual(['taken']);
  });

  it('a file written piece by piece appears whole at commit, the earlier one there until then; abort leaves the earlier one', async () => {
    const d = tmp();
    const path = join(d, 'rows.jsonl');
    writeFileSync(path, 'old\n');
    const w = await AtomicFileWriter.open(path);
    await w.write('a\n');
    await w.write(new Uint8Array(200_000).fill(98));
    await w.write('\nc\n');
    expect(readFileSync(path, 'utf8')).toBe('old\n'); // the pieces go to a temporary sibling
    await w.commit();
    await w.abort(); // after commit: nothing
    expect(readFileSync(path, 'utf8')).toBe(`a\n${'b'.repeat(200_000)}\nc\n`);
    const v = await AtomicFileWriter.open(path);
    await v.write('half');
    await v.abort();
    await expect(v.write('more')).rejects.toThrow(/write after commit or abort/);
    expect(readFileSync(path, 'utf8')).toBe(`a\n${'b'.repeat(200_000)}\nc\n`);
    expect(readdirSync(d)).toEqual(['rows.jsonl']); // no temporary file left
  });

  it('a directory is replaced as a whole, or not at all; through a symbolic link where it points', async () => {
    const d = tmp();
    const dir = join(d, 'out');
    await writeDirAtomic(dir, async (t) => writeFileSync(join(t, 'old.txt'), 'old'));
    await expect(
      writeDirAtomic(dir, async (t) => {
        writeFileSync(join(t, 'new.txt'), 'new');
        throw new Error('stopped half-way');
      }),
    ).rejects.toThrow('stopped half-way');
    expect(readdirSync(d)).toEqual(['out']);
    expect(readdirSync(dir)).toEqual(['old.txt']);
    await writeDirAtomic(dir, async (t) => writeFileSync(join(t, 'new.txt'), 'new'));
    expect(readdirSync(dir)).toEqual(['new.txt']);
    symlinkSync(dir, join(d, 'link'));
    await writeDirAtomic(join(d, 'link'), async (t) => writeFileSync(join(t, 'via-link.txt'), 'x'));
    expect(readdirSync(dir)).toEqual(['via-link.txt']);
    expect(readdirSync(d).sort()).toEqual(['link', 'out']);
  });

  it('what a killed run left beside the directory is removed by the next one; the earlier directory it moved aside once a new one is in place', async () => {
    const d = tmp();
    const dir = join(d, 'out[1]'); // regex characters in the name
    const left = (what: string) => {
      const p = join(d, `.out[1].${what}-2147483646-0a1b2c3d`); // no such process
      mkdirSync(p);
      writeFileSync(join(p, 'f'), what);
    };
    left('old'); // killed between its two renames: out[1] missing, this is the earlier one
    left('tmp');
    writeFileSync(join(d, '.out[1].tmp-1-0a1b2c3d'), ''); // pid 1 runs: not ours to remove
    writeFileSync(join(d, '.out[1].old-1-0a1b2c3d'), '');
    // out[1] there again but holding only a lock (askfirst export takes one on --out first): a write that fails keeps the
    // earlier directory moved aside, the only copy of it (it was removed as soon as out[1] existed, before the new one was written)
    mkdirSync(dir);
    writeFileSync(join(dir, '.lock'), '{}');
    await expect(writeDirAtomic(dir, async () => Promise.reject(new Error('a view does not load')))).rejects.toThrow('a view does not load');
    expect(readdirSync(d).sort()).toEqual(['.out[1].old-1-0a1b2c3d', '.out[1].old-2147483646-0a1b2c3d', '.out[1].tmp-1-0a1b2c3d', 'out[1]']);
    await writeDirAtomic(dir, async (t) => writeFileSync(join(t, 'new.txt'), 'new')); // a new out[1] in place: nothing of the killed run is left
    expect(readdirSync(d).sort()).toEqual(['.out[1].old-1-0a1b2c3d', '.out[1].tmp-1-0a1b2c3d', 'out[1]']);
    expect(readdirSync(dir)).toEqual(['new.txt']);
  });

  it('a name near the 255-byte limit (240 bytes of "é", 85 of "中"): written whole, its hidden siblings fit, and what a killed run left beside it is still found', async () => {
    for (const name of ['é'.repeat(120), '中'.repeat(85)]) {
      const d = tmp();
      const dir = join(d, name);
      const stem = siblingStem(dir);
      expect(Buffer.byteLength(stem)).toBeLessThanOrEqual(215);
      expect(stem).toBe(siblingStem(join('/elsewhere', name))); // the same for the same name each time
      expect(stem).not.toBe(siblingStem(dir.slice(0, -1) + 'x')); // two long names that start alike differ
      const killed = join(d, `${stem}.tmp-2147483646-0a1b2c3d`); // left by a killed run: no such process
      mkdirSync(killed);
      await writeDirAtomic(dir, async (t) => writeFileSync(join(t, 'a.txt'), 'a')); // was ENAMETOOLONG on .NAME.tmp-PID-HEX
      await writeDirAtomic(dir, async (t) => writeFileSync(join(t, 'b.txt'), 'b')); // over the earlier one: .NAME.old-PID-HEX too
      await writeFileAtomic(join(d, `${name.slice(0, -2)}.json`), '{}'); // a file: .NAME.PID.HEX.tmp
      expect(readdirSync(d).sort()).toEqual([name, `${name.slice(0, -2)}.json`].sort());
      expect(readdirSync(dir)).toEqual(['b.txt']);
    }
    expect(siblingStem('/x/out')).toBe('.out'); // a name of normal length is kept as it is
  });

  it('the temporary files a writer killed mid-write left are removed by the next write into their folder; a running one’s stay', async () => {
    const d = tmp();
    const dead = ['.report.md.2147483646.f49f9ee2.tmp', '.summary.json.2147483646.0a1b2c3d.tmp']; // no such process
    const running = ['.report.html.1.0a1b2c3d.tmp', `.a.${process.pid}.0a1b2c3d.tmp`]; // pid 1 runs; ours is in progress
    const notOurs = ['.notes.2147483646.tmp', 'report.2147483646.0a1b2c3d.tmp']; // not the writers' names: the user's
    for (const name of [...dead, ...running, ...notOurs]) writeFileSync(join(d, name), 'half');
    await writeFileAtomic(join(d, 'report.md'), 'whole\n');
    expect(readdirSync(d).sort()).toEqual([...running, ...notOurs, 'report.md'].sort());
    for (const [i, write] of [(p: string) => writeFileAtomicSync(p, 'x'), async (p: string) => (await AtomicFileWriter.open(p)).commit()].entries()) {
      const sub = join(d, `sub${i}`); // the synchronous writer and the piecewise one clear their folder too
      mkdirSync(sub);
      for (const name of dead) writeFileSync(join(sub, name), 'half');
      await write(join(sub, 'f'));
      expect(readdirSync(sub)).toEqual(['f']);
    }
  });
});

describe('readJsonFlagFile', () => {
  it('a JSON file saved with a byte-order mark or CRLF line ends (Notepad, PowerShell) reads as the same settings', () => {
    const d = tmp();
    writeFileSync(join(d, 'bom.json'), '\uFEFF{\r\n  "policy": ["oracle"]\r\n}\r\n'); // was "--config …: not a JSON file (Unexpected token '\uFEFF' …)"
    expect(readJsonFlagFile('--config', join(d, 'bom.json'))).toEqual({ policy: ['oracle'] });
    writeFileSync(join(d, 'bad.json'), '\uFEFF{"policy": }');
    expect(() => readJsonFlagFile('--config', join(d, 'bad.json'))).toThrow(`--config ${join(d, 'bad.json')}: not a JSON file (`);
  });
});
