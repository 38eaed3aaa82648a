// Injected into dist/samocode.cjs by build.mjs as what `import.meta.url` means there: the bundle's own file (as it
// meant each chunk's file when the CLI was split into ES modules; all of them sit in dist/).
import { pathToFileURL } from 'node:url';

export const __samocodeImportMetaUrl = pathToFileURL(__filename).href;
