package dev.berth.image.layer;

/**
 * How deletions are spelled. In a layer tar (OCI image-spec layer.md): an empty file {@code .wh.NAME} deletes NAME
 * from the layers below, and {@code .wh..wh..opq} in a directory hides everything the layers below had in it. In
 * an overlayfs layer directory: a character device 0:0 named NAME, and the xattr {@code trusted.overlay.opaque=y}
 * on the directory.
 */
final class Whiteouts {
    static final String PREFIX = ".wh.";
    static final String META_PREFIX = ".wh..wh.";
    static final String OPAQUE = ".wh..wh..opq";
    static final String OVERLAY_OPAQUE_XATTR = "trusted.overlay.opaque";

    private Whiteouts() {}

    /**
     * Which extended attributes a layer carries, read or written: user.*, security.capability, and trusted.* when
     * running as root (only root may set them). overlayfs's own attributes (trusted.overlay.*, user.overlay.*)
     * never: a layer must not be able to plant redirects or metacopy markers. security.selinux and ACLs are
     * host policy, not image content.
     */
    static boolean carried(String xattr, boolean root) {
        if (xattr.startsWith("trusted.overlay.") || xattr.startsWith("user.overlay.")) return false;
        if (xattr.startsWith("user.") || xattr.equals("security.capability")) return true;
        return root && xattr.startsWith("trusted.");
    }
}
