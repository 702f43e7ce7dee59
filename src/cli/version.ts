declare const BOSUN_VERSION: string | undefined;
declare const BOSUN_GIT_SHA: string | undefined;

/** Set at build time by build.ts; a source run reports a dev version. */
export const VERSION: string = typeof BOSUN_VERSION === "string" ? BOSUN_VERSION : "0.0.0-dev";
export const GIT_SHA: string = typeof BOSUN_GIT_SHA === "string" ? BOSUN_GIT_SHA : "unknown";
