/** The endpoint's default limits (light: `askfirst serve --help` shows them without loading the server). */

/** 8 MiB: a data-URL PNG of a 2048×2048 photo fits. */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;
export const DEFAULT_MAX_CONCURRENT = 32;
/** Messages in one request: a ProactiveBench episode's whole conversation is a few dozen. */
export const DEFAULT_MAX_MESSAGES = 1024;
