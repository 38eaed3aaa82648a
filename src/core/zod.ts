// zod for all of samocode: its mini API, with English messages. The classic chained API (`z.string().min(1)`) costs
// ~1–1.5 ms to load at every start and builds a schema ~3× slower (_overview.md's: ~8 ms instead of ~2.5); the mini
// one gives the same checks, results and, with English registered here, messages. Import this, never 'zod' itself
// (tests/unit/import-rules.test.ts).
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// The classic API registers English with its first schema; the mini one leaves that to its user. Without it an issue's
// message is a bare "Invalid input".
if (!z.config().localeError) z.config(en());

// Re-exported whole, so `import * as z from './zod.js'` reads like zod's own namespace and the bundle keeps only the
// parts used.
export * from 'zod/mini';
