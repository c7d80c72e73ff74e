package dev.berth.build.dockerfile;

import java.util.Objects;

/**
 * A here-document attached to RUN, COPY or ADD ({@code RUN <<EOF}, {@code COPY <<config.ini /etc/}).
 *
 * @param name           the delimiter word with its quotes removed ({@code EOF} for {@code <<"EOF"}); for COPY
 *                       and ADD it is also the file name the content is written under
 * @param content        the lines between the instruction and the delimiter, each with its line ending; for
 *                       {@code <<-EOF} the leading tabs are already removed
 * @param expand         false when any part of the delimiter was quoted ({@code <<'EOF'}, {@code <<"EOF"}):
 *                       then {@code $var} in the content stays as written
 * @param chomp          written as {@code <<-EOF}
 * @param fileDescriptor the digits before {@code <<} ({@code 3<<EOF}), 0 when none were written
 */
public record Heredoc(String name, String content, boolean expand, boolean chomp, int fileDescriptor) {
    public Heredoc {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(content, "content");
    }

    /** A plain {@code <<NAME} heredoc: expanded, not chomped, no file descriptor. */
    public static Heredoc of(String name, String content) {
        return new Heredoc(name, content, true, false, 0);
    }
}
