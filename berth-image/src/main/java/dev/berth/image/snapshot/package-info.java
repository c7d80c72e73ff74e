/**
 * Snapshots: image layers unpacked once each into their own directory, stacked by overlayfs under a writable
 * upper directory for each container or build step.
 *
 * <h2>Layout and naming</h2>
 * {@link dev.berth.image.snapshot.Snapshots} keys layers by OCI ChainID (the layer and everything below it),
 * so two images that share a base share its directories. Directory names are short ({@code l/<12 hex>}) because
 * every lower directory's absolute path goes into one mount option string, which the kernel copies as a single
 * page (4095 bytes): with snapshots in /var/lib/berth, 91 layers fit in a writable snapshot with a 64-hex key,
 * 97 in a read-only view ({@link dev.berth.image.snapshot.Snapshots#maxLayers}); more is refused with a message
 * saying so. (Recent kernels also take lower directories one at a time through fsconfig(2) "lowerdir+",
 * which would lift the limit; not used yet.)
 *
 * <h2>Crash safety and concurrency</h2>
 * An unpack happens in {@code tmp/} and is published by one rename, with its description inside, after a
 * syncfs; a removal first marks the layer gone (an atomic rewrite of its description), then renames it away.
 * Two processes unpacking the same layer both succeed; the second rename fails and its copy is discarded.
 * Within one JVM, unpacks of one ChainID are serialized; prepare, remove and removeLayer share a lock, so a
 * layer is never removed under a snapshot being prepared.
 *
 * <h2>Writable snapshots</h2>
 * {@code active/KEY/{upper,work,merged}} plus a {@code parent} file naming the top layer's ChainID, which
 * removeLayer checks. Writable mounts use {@code redirect_dir=off,metacopy=off} so the upper directory is a plain
 * diff that {@link dev.berth.image.layer.LayerWriter#upper} can turn into a layer. Mounting uses mount(2) and
 * umount2(2) (MNT_DETACH) through java.lang.foreign, and needs root.
 */
package dev.berth.image.snapshot;
