package dev.berth.image;

/** No image by this name or id: the message is docker's ("No such image: x"). */
public class ImageNotFoundException extends IllegalArgumentException {
    public ImageNotFoundException(String nameOrId) {
        super("No such image: " + nameOrId);
    }
}
