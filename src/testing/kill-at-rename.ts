/**
 * Preloaded into a spawned `askfirst` by cli-kill.ts `killCliAtRename` (`node --import tsx --import THIS
 * bin/askfirst.js …`), never imported by askfirst itself: the process kills itself with SIGKILL just before its Nth
 * rename of a file out of a path containing ASKFIRST_TEST_KILL_RENAME_FROM into a path that does not contain it (e.g.
 * a staged image moved out of `.writing/` into place). A moment that lasts milliseconds on a fast machine (a suite's
 * images moved into place) is then hit every time, where watching files from outside could miss it. It patches the
 * `node:fs` renames and `syncBuiltinESMExports()` so that `import { rename } from 'node:fs/promises'` sees the patch.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const from = process.env.ASKFIRST_TEST_KILL_RENAME_FROM;
const nth = Number(process.env.ASKFIRST_TEST_KILL_RENAME_NTH ?? '1');
if (from) {
  let seen = 0;
  const hit = (src: fs.PathLike, dest: fs.PathLike): void => {
    if (String(src).includes(from) && !String(dest).includes(from) && ++seen === nth) process.kill(process.pid, 'SIGKILL');
  };
  const renameP = fs.promises.rename;
  fs.promises.rename = async (src, dest) => {
    hit(src, dest);
    return renameP(src, dest);
  };
  const renameS = fs.renameSync;
  fs.renameSync = (src, dest) => {
    hit(src, dest);
    renameS(src, dest);
  };
  const renameCb = fs.rename;
  fs.rename = ((src: fs.PathLike, dest: fs.PathLike, cb: fs.NoParamCallback) => {
    hit(src, dest);
    renameCb(src, dest, cb);
  }) as typeof fs.rename;
  syncBuiltinESMExports();
}
