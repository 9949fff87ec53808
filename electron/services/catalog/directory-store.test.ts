import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, openWriteStore } from './catalog-store';
import { CatalogError, type StoredObjectInfo } from './catalog-types';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'bulkhead-dirstore-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const text = (value: string): { bytes: Uint8Array } => ({
  bytes: new TextEncoder().encode(value),
});

async function all(iterable: AsyncIterable<StoredObjectInfo>): Promise<StoredObjectInfo[]> {
  const out: StoredObjectInfo[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('directory store', () => {
  it('writes once, never replaces, lists in key order and reads back', async () => {
    const root = path.join(dir, 'one');
    const write = openWriteStore({ kind: 'directory', path: root });
    expect(await write.putOnce('manifests/0000000002.json', text('two'))).toBe('written');
    expect(await write.putOnce('manifests/0000000001.json', text('one'))).toBe('written');
    expect(await write.putOnce('manifests/0000000001.json', text('other'))).toBe('existed');
    expect(await write.putOnce('a-b', text('dash'))).toBe('written');
    const source = path.join(dir, 'source.bin');
    await writeFile(source, Buffer.alloc(3000, 7));
    expect(await write.putOnce('objects/sha256/ab/cd', { path: source })).toBe('written');

    const read = openStore({ kind: 'directory', path: root });
    expect(read.worm).toBe(false);
    expect(read.location).toBe(root);
    expect(new TextDecoder().decode(await read.read('manifests/0000000001.json'))).toBe('one');
    expect(await all(read.list(''))).toEqual([
      { key: 'a-b', size: 4 },
      { key: 'manifests/0000000001.json', size: 3 },
      { key: 'manifests/0000000002.json', size: 3 },
      { key: 'objects/sha256/ab/cd', size: 3000 },
    ]);
    expect((await all(read.list('manifests/'))).map((i) => i.key)).toEqual([
      'manifests/0000000001.json',
      'manifests/0000000002.json',
    ]);
    expect(await all(read.list('objects/sha256/ab/c'))).toHaveLength(1);
    expect(await all(read.list('nothing/'))).toEqual([]);
    expect(await read.size('objects/sha256/ab/cd')).toBe(3000);
    expect(await read.size('objects/sha256/ab/zz')).toBeNull();
    expect(await read.lock('a-b')).toBeNull();
    const chunks: Buffer[] = [];
    for await (const chunk of await read.stream('objects/sha256/ab/cd')) {
      chunks.push(chunk as Buffer);
    }
    expect(Buffer.concat(chunks).equals(Buffer.alloc(3000, 7))).toBe(true);

    // Files are left read-only, and no temporary file stays behind.
    expect((await stat(path.join(root, 'a-b'))).mode & 0o777).toBe(0o444);
    expect(await readdir(path.join(root, 'manifests'))).toEqual([
      '0000000001.json',
      '0000000002.json',
    ]);
    expect(await readFile(path.join(root, 'manifests', '0000000001.json'), 'utf8')).toBe('one');
  });

  it('names what is missing, and refuses keys outside the root', async () => {
    const root = path.join(dir, 'two');
    await openWriteStore({ kind: 'directory', path: root }).putOnce('x', text('x'));
    const read = openStore({ kind: 'directory', path: root });
    const missing = await read.read('manifests/0000000009.json').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(CatalogError);
    expect(missing).toMatchObject({ kind: 'missing', object: 'manifests/0000000009.json' });
    expect((missing as Error).message).toBe(`manifests/0000000009.json is missing from ${root}`);
    await expect(read.stream('nope')).rejects.toMatchObject({ kind: 'missing' });
    await expect(read.read('../outside')).rejects.toMatchObject({ kind: 'invalid' });
    await expect(
      openWriteStore({ kind: 'directory', path: root }).putOnce('/etc/x', text('x')),
    ).rejects.toMatchObject({ kind: 'invalid' });
    const absent = openStore({ kind: 'directory', path: path.join(dir, 'absent') });
    await expect(all(absent.list(''))).rejects.toMatchObject({ kind: 'missing' });
  });

  it('lets exactly one of many concurrent writers of a key win', async () => {
    const root = path.join(dir, 'race');
    const write = openWriteStore({ kind: 'directory', path: root });
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        write.putOnce('manifests/0000000001.json', text(`w${i}`)),
      ),
    );
    expect(results.filter((r) => r === 'written')).toHaveLength(1);
    const winner = results.indexOf('written');
    expect(await readFile(path.join(root, 'manifests', '0000000001.json'), 'utf8')).toBe(
      `w${winner}`,
    );
    expect(await readdir(path.join(root, 'manifests'))).toEqual(['0000000001.json']);
  });
});
