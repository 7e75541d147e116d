/** The types of build-site.mjs, for the tests that build the site. */
/** The most the site may weigh, in bytes. */
export declare const SITE_BUDGET: number;
/** Builds the playground's static site from `src` into `outdir`; rejects listing any Node built-in left in the bundles. */
export declare function buildSite(options?: { outdir?: string; src?: string }): Promise<{
  outdir: string;
  files: { name: string; bytes: number }[];
  total: number;
}>;
