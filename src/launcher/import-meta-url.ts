// Injected into dist/samocode.cjs by build.mjs as what `import.meta.url` means there: the bundle's own file (as it
// meant each chunk's file when the CLI was split into ES modules; all of them sit in dist/). A getter: the URL is made
// when code asks for it (the pretty bundle's require, the dashboard's files), not at every start.
import { pathToFileURL } from 'node:url';

export const __samocodeImportMeta = {
  get url(): string {
    return pathToFileURL(__filename).href;
  },
};
