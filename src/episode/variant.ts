/**
 * An episode's variant within its kind, for results broken down finer than by kind: the corruption
 * kind's operation (blur, noise, pixelate, jpeg, brightness, contrast, saturation), as ImageNet-C
 * results are reported per corruption. Read from the suite's `meta.corruption`; undefined for every
 * other kind and for episodes that do not name one (issue 18: colour loss was missed in every
 * episode on every seed, a failure the per-kind figures hid).
 */
export function episodeVariant(meta: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const v = meta?.corruption;
  return typeof v === 'string' && v !== '' ? v : undefined;
}
