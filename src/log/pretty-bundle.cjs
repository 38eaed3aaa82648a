// pino-pretty as one file. In dist/ this is bundled with its ~40 CommonJS modules (build.mjs): requiring them one by
// one cost ~10 MB of RSS at the first console line (module records, wrappers, package.json reads), the bundle ~4 MB.
// From the source (tests), it is the package itself.
module.exports = require('pino-pretty');
