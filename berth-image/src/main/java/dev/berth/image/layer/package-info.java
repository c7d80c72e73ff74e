/**
 * Image layers: tar streams applied onto directories and written from them.
 *
 * <h2>Applying</h2>
 * {@link dev.berth.image.layer.LayerApplier} streams a layer blob (uncompressed, gzip or zstd) through
 * {@link dev.berth.image.layer.TarReader} and creates each entry, computing the diffID on the way. FLAT mode
 * applies onto a merged tree (one rootfs, a VM disk); OVERLAY mode fills one directory per layer for overlayfs
 * and writes whiteouts as overlayfs does (char device 0:0, {@code trusted.overlay.opaque=y}).
 *
 * <h2>Hostile layers</h2>
 * A layer comes from a registry and is untrusted. Every name is cleaned lexically ("/" and "./" prefixes
 * dropped, ".." refused when it would leave the root); every parent component must be a real directory, so a
 * symlink (planted earlier in the same layer, or present in the content below) is never written through; files
 * are created O_EXCL, symlinks never followed; hard link targets resolve the same way, inside the root.
 * Header records, names, entry counts and the stream size are bounded ({@link dev.berth.image.layer.Limits})
 * before memory is allocated for them. Device nodes are created (images carry them), inside the root only.
 * A refusal is a {@link dev.berth.image.layer.LayerException} naming the entry; nothing outside the target has
 * been written, and the caller deletes the target.
 *
 * <h2>Writing</h2>
 * {@link dev.berth.image.layer.LayerWriter} walks a tree or an overlayfs upper directory into a deterministic
 * pax tar ({@link dev.berth.image.layer.TarWriter}), compressed with gzip (level 1 by default: it is the
 * bottleneck) or zstd, straight into a content store ingest.
 *
 * <h2>Why not Commons Compress for tar</h2>
 * Commons Compress decodes PAX values as UTF-8, which corrupts binary xattrs such as security.capability (the
 * bits that let ping work without root), and it reads a PAX header of any size into memory. The tar codec here
 * is ~650 lines, keeps values as bytes and checks sizes first; tests cross-check it against Commons Compress.
 *
 * <h2>libc</h2>
 * mknod, lchown, chmod (set-id bits), symlink (exact targets), utimensat (symlink times) and the l*xattr calls
 * go through java.lang.foreign ({@code Sys}): the JVM needs {@code --enable-native-access=ALL-UNNAMED}.
 */
package dev.berth.image.layer;
