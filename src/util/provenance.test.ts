/** provenance.ts: the git commit recorded is askfirst's own checkout's, never that of a repository it is installed in. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { gitCheckout } from './provenance.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();

describe('gitCheckout', () => {
  it("names the commit of a checkout whose top is the package root, and none for a package installed inside another project's repository", () => {
    const project = tmpDir('askfirst-provenance');
    git(project, 'init', '-q');
    writeFileSync(join(project, 'package.json'), '{"name":"my-research"}\n');
    git(project, '-c', 'user.name=t', '-c', 'user.email=t@t', 'add', 'package.json');
    git(project, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'mine');
    const installed = join(project, 'node_modules', 'askfirst');
    mkdirSync(installed, { recursive: true });
    writeFileSync(join(installed, 'package.json'), '{"name":"askfirst"}\n');

    expect(gitCheckout(project)).toEqual({ gitCommit: git(project, 'rev-parse', 'HEAD'), gitDirty: false });
    // git walks up from node_modules/askfirst to the researcher's repository: that commit is not askfirst's
    expect(gitCheckout(installed)).toEqual({ gitCommit: null, gitDirty: null });
  });
});
