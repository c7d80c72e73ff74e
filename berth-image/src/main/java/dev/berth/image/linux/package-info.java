/** The libc calls the image side needs (file metadata for layers, mounts for snapshots), through java.lang.foreign. */
package dev.berth.image.linux;
