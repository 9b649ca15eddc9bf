// The sandbox ("pause") image, built at test time since no registry is reachable: one layer holding the
// static /bin/busybox (package busybox-static), whose `sleep` is the sandbox's process. Written as an OCI
// image layout in a tar and imported with `ctr images import`, unpacked for the snapshotter the CRI uses.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PAUSE_IMAGE = 'localhost/braid-test/pause:1';
export const BUSYBOX = '/bin/busybox';

const ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** Writes `data` as a blob of the layout rooted at `dir` and returns its descriptor. */
function blob(dir: string, mediaType: string, data: Buffer): Descriptor {
  const hex = createHash('sha256').update(data).digest('hex');
  writeFileSync(join(dir, 'blobs/sha256', hex), data);
  return { mediaType, digest: `sha256:${hex}`, size: data.length };
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

/** Builds the image under `dir` (created, or emptied) and returns the path of its OCI archive. */
export function buildPauseImage(dir: string, ref = PAUSE_IMAGE): string {
  rmSync(dir, { recursive: true, force: true });
  const rootfs = join(dir, 'rootfs');
  const layout = join(dir, 'layout');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  mkdirSync(join(layout, 'blobs/sha256'), { recursive: true });
  copyFileSync(BUSYBOX, join(rootfs, 'bin/busybox'));
  const tarFile = join(dir, 'layer.tar');
  execFileSync('tar', [
    '-C',
    rootfs,
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--mtime=@0',
    '--sort=name',
    '-cf',
    tarFile,
    'bin',
  ]);
  // An uncompressed layer: its digest is also its diff id.
  const layer = blob(layout, 'application/vnd.oci.image.layer.v1.tar', readFileSync(tarFile));
  const config = blob(
    layout,
    'application/vnd.oci.image.config.v1+json',
    json({
      architecture: ARCH[process.arch] ?? process.arch,
      os: 'linux',
      config: { Entrypoint: ['/bin/busybox', 'sleep', '2147483647'], WorkingDir: '/' },
      rootfs: { type: 'layers', diff_ids: [layer.digest] },
    }),
  );
  const manifest = blob(
    layout,
    'application/vnd.oci.image.manifest.v1+json',
    json({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config,
      layers: [layer],
    }),
  );
  // containerd names the image after io.containerd.image.name; the OCI ref name alone would be only the tag.
  manifest.annotations = {
    'io.containerd.image.name': ref,
    'org.opencontainers.image.ref.name': ref.split(':').pop() ?? 'latest',
  };
  writeFileSync(
    join(layout, 'index.json'),
    json({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [manifest] }),
  );
  writeFileSync(join(layout, 'oci-layout'), json({ imageLayoutVersion: '1.0.0' }));
  const archive = join(dir, 'pause.oci.tar');
  execFileSync('tar', ['-C', layout, '-cf', archive, 'oci-layout', 'index.json', 'blobs']);
  return archive;
}

/** `ctr images import` into the CRI's namespace (k8s.io), unpacked for `snapshotter`. */
export function importImage(socket: string, archive: string, snapshotter: string): void {
  execFileSync(
    'ctr',
    ['--address', socket, '--namespace', 'k8s.io', 'images', 'import', '--snapshotter', snapshotter, archive],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    },
  );
}
