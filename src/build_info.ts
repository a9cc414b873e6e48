/**
 * Stamped by the build scripts (compile, bundle, release); `dev` in a plain checkout.
 *
 * @module
 */

/** The commit this build came from. */
export const BUILD_COMMIT = "dev";
