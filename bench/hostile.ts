/**
 * What hostile input costs now (issue 20): refusing a 254-byte PNG / a JPEG that claim
 * 30000×30000 pixels, through the decoder and through `serve` (HTTP), and the memory growth over
 * many refusals; plus the cost of the checkpoint checksum on load. Prints one JSON object.
 *
 *   npx tsx bench/hostile.ts [--n 200]   (--help: the options)
 */
import { startOpenAIServer } from '../src/server/openai/server.js';
import { RandomPolicy } from '../src/agents/baselines/random.js';
import { formatPrompt } from '../src/episode/prompt.js';
import { decodeImage, encodeJPEG } from '../src/scenes/codec.js';
import { createImage } from '../src/scenes/image.js';
import { decodeSafetensors, encodeSafetensors } from '../src/nn/safetensors.js';
import { hostilePNG } from '../src/testing/hostile.js';
import { benchArgs } from './args.js';

const { n } = benchArgs(
  import.meta.url,
  `What hostile input costs: refusing a PNG and a JPEG that claim 30000×30000 pixels, through the decoder and through
\`serve\` (HTTP), the memory growth over those refusals, and loading a 16 MB checkpoint with its checksum. Prints one JSON
object ({ refusePngMs, refuseJpegMs, serveRefuseMs, serveStatus, rssGrowthMB, checkpoint16MBLoadWithChecksumMs, … }).`,
  { n: { type: 'number', default: 200, min: 1, help: 'refusals of each kind' } },
);
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

function refusals(buf: Uint8Array): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    try {
      decodeImage(buf, 'evil');
    } catch {
      /* refused */
    }
  }
  return ms(t0) / n;
}

const png = hostilePNG(30000, 30000);
const jpeg = Uint8Array.from(encodeJPEG(createImage(8, 8), 80));
for (let i = 2; i < jpeg.length; i += 2 + ((jpeg[i + 2] << 8) | jpeg[i + 3])) {
  if (jpeg[i + 1] === 0xc0) {
    jpeg.set([30000 >> 8, 30000 & 255, 30000 >> 8, 30000 & 255], i + 5);
    break;
  }
}
const rss0 = process.memoryUsage().rss;
const pngMs = refusals(png);
const jpegMs = refusals(jpeg);

const srv = await startOpenAIServer({ policy: new RandomPolicy(1), modelName: 'm', log: () => undefined });
const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}` } }, { type: 'text', text: formatPrompt('Q?', ['a', 'b']) }] }] });
const t0 = process.hrtime.bigint();
let status = 0;
for (let i = 0; i < n; i++) status = (await fetch(`${srv.url}/chat/completions`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })).status;
const httpMs = ms(t0) / n;
await srv.close();
const rssGrowthMB = (process.memoryUsage().rss - rss0) / 2 ** 20;

// checksum cost: a 4M-parameter checkpoint (16 MB)
const big = encodeSafetensors([['w', { data: new Float32Array(4 << 20).fill(0.5), shape: [4 << 20] }]]);
const t1 = process.hrtime.bigint();
decodeSafetensors(big);
const loadMs = ms(t1);

console.log(JSON.stringify({ pngBytes: png.length, refusePngMs: +pngMs.toFixed(4), refuseJpegMs: +jpegMs.toFixed(4), serveRefuseMs: +httpMs.toFixed(3), serveStatus: status, rssGrowthMB: +rssGrowthMB.toFixed(1), refusals: 3 * n, checkpoint16MBLoadWithChecksumMs: +loadMs.toFixed(1) }));
