/**
 * The program's version (kept equal to deno.json's by a test) and the commit it was built from.
 *
 * @module
 */

import { BUILD_COMMIT } from "./build_info.ts";

/** The release version. */
export const VERSION = "0.1.0";

/** The commit the program was built from (`dev` in a checkout that was not stamped). */
export const COMMIT: string = BUILD_COMMIT;
