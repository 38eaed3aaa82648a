// io/state-store.ts's reads against a real file: a read before the session lock is reused under it only while the
// file has the very same text.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { StateStore } from '../../src/io/state-store.js';
import { fakeState } from '../helpers/fake-state.js';
import { tempDir } from '../helpers/rig.js';

describe('StateStore.readAt', () => {
  test('an earlier read of the same text is taken as it is', async () => {
    const file = join(tempDir(), '_overview.md');
    const store = new StateStore(file);
    await store.write(fakeState({ iterations: 3 }), '# Notes\n');
    const first = await store.readAt();
    expect(first?.read).toMatchObject({ kind: 'state', state: { iterations: 3 }, body: '# Notes\n' });
    expect(await store.readAt(first)).toBe(first);
    expect(await new StateStore(file).read(first)).toBe(first?.read);
  });

  test('a file changed since is parsed again', async () => {
    const file = join(tempDir(), '_overview.md');
    const store = new StateStore(file);
    await store.write(fakeState({ iterations: 3 }));
    const first = await store.readAt();
    await store.write(fakeState({ iterations: 4 }));
    expect((await store.readAt(first))?.read).toMatchObject({ kind: 'state', state: { iterations: 4 } });
    writeFileSync(file, 'no front matter, no status\n');
    expect((await store.readAt(first))?.read.kind).toBe('invalid');
  });

  test("another file's read is not taken, even with the same text", async () => {
    const dir = tempDir();
    const a = new StateStore(join(dir, 'a.md'));
    const b = new StateStore(join(dir, 'b.md'));
    await a.write(fakeState());
    await b.write(fakeState());
    const fromA = await a.readAt();
    const fromB = await b.readAt(fromA);
    expect(fromB).not.toBe(fromA);
    expect(fromB?.file).toBe(join(dir, 'b.md'));
  });
});
