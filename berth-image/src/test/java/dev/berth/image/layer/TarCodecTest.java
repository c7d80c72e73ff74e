package dev.berth.image.layer;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TarCodecTest {
    private static final byte[] CAP = {1, 0, 0, 2, (byte) 0x80, (byte) 0xff, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    private static final String LONG = "d".repeat(60) + "/" + "e".repeat(60) + "/" + "f".repeat(70); // ustar prefix split
    private static final String LONGER = ("x".repeat(99) + "/").repeat(4) + "tail"; // needs PAX path

    private static List<TarEntry> sample() {
        Instant t = Instant.ofEpochSecond(1_700_000_000);
        return List.of(
                TarEntry.dir("etc/", 0755, t),
                TarEntry.file("etc/hosts", 0644, 5, t),
                TarEntry.file(LONG, 0600, 0, t),
                TarEntry.file(LONGER, 0600, 3, t),
                TarEntry.file("ünïcödé.txt", 04755, 1, Instant.ofEpochSecond(-86_400, 500_000_000)).withOwner(3_000_000, 5678),
                new TarEntry("ping", TarEntry.Type.FILE, 0755, 0, 0, 0, t, Instant.ofEpochSecond(1_600_000_000, 123), "", 0, 0,
                        Map.of("security.capability", CAP, "user.empty", new byte[0])),
                new TarEntry("lnk", TarEntry.Type.SYMLINK, 0777, 0, 0, 0, t, null, "../" + "t".repeat(150) + "/", 0, 0, Map.of()),
                new TarEntry("hard", TarEntry.Type.HARDLINK, 0644, 0, 0, 0, t, null, "etc/hosts", 0, 0, Map.of()),
                new TarEntry("dev/null", TarEntry.Type.CHAR, 0666, 0, 0, 0, t, null, "", 1, 3, Map.of()),
                new TarEntry("dev/sda", TarEntry.Type.BLOCK, 0660, 0, 6, 0, t, null, "", 8, 1_048_575, Map.of()),
                new TarEntry("fifo", TarEntry.Type.FIFO, 0644, 0, 0, 0, t, null, "", 0, 0, Map.of()));
    }

    private static byte[] write(List<TarEntry> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TarWriter w = new TarWriter(bytes);
        for (TarEntry e : entries) {
            w.add(e);
            byte[] content = "x".repeat((int) e.size()).getBytes(StandardCharsets.US_ASCII);
            w.write(content, 0, content.length);
        }
        w.finish();
        return bytes.toByteArray();
    }

    private static List<TarEntry> read(byte[] tar, Limits limits) throws IOException {
        TarReader r = new TarReader(new ByteArrayInputStream(tar), limits);
        List<TarEntry> out = new ArrayList<>();
        for (TarEntry e; (e = r.next()) != null; ) out.add(e);
        r.drain();
        return out;
    }

    @Test
    void roundTripKeepsEveryField() throws IOException {
        List<TarEntry> in = sample();
        List<TarEntry> out = read(write(in), Limits.DEFAULT);
        assertThat(out).hasSameSizeAs(in);
        for (int i = 0; i < in.size(); i++) {
            TarEntry a = in.get(i), b = out.get(i);
            assertThat(b.name()).isEqualTo(a.name());
            assertThat(b.type()).isEqualTo(a.type());
            assertThat(b.mode()).isEqualTo(a.mode());
            assertThat(b.uid()).isEqualTo(a.uid());
            assertThat(b.gid()).isEqualTo(a.gid());
            assertThat(b.size()).isEqualTo(a.size());
            assertThat(b.mtime()).isEqualTo(a.mtime());
            assertThat(b.atime()).isEqualTo(a.atime());
            assertThat(b.linkName()).isEqualTo(a.linkName());
            assertThat(b.devMajor()).isEqualTo(a.devMajor());
            assertThat(b.devMinor()).isEqualTo(a.devMinor());
            assertThat(b.xattrs().keySet()).isEqualTo(a.xattrs().keySet());
            for (String k : a.xattrs().keySet()) assertThat(b.xattrs().get(k)).isEqualTo(a.xattrs().get(k));
        }
    }

    @Test
    void outputIsDeterministicAndPaxOnlyWhenNeeded() throws IOException {
        assertThat(write(sample())).isEqualTo(write(sample()));
        byte[] plain = write(List.of(TarEntry.file("a", 0644, 0, Instant.ofEpochSecond(1))));
        assertThat(plain).hasSize(512 * 3); // one header, two zero blocks: no PAX header
    }

    @Test
    void commonsCompressReadsWhatWeWrite() throws IOException {
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(write(sample())))) {
            List<String> names = new ArrayList<>();
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                names.add(e.getName());
                if (e.getName().equals("dev/sda")) assertThat(e.getDevMinor()).isEqualTo(1_048_575);
                if (e.getName().startsWith("ü")) assertThat(e.getLongUserId()).isEqualTo(3_000_000);
            }
            assertThat(names).containsExactlyElementsOf(sample().stream().map(TarEntry::name).toList());
        }
    }

    @Test
    void readsWhatCommonsCompressWrites() throws IOException {
        for (int mode : new int[] {TarArchiveOutputStream.LONGFILE_POSIX, TarArchiveOutputStream.LONGFILE_GNU}) {
            TestTars t = new TestTars(mode).dir("a").file("a/" + "n".repeat(300), "hello").symlink("a/s", "/" + "t".repeat(200));
            TarArchiveEntry big = TestTars.entry("big-ids", TarConstants.LF_NORMAL);
            big.setUserId(10_000_000);
            big.setGroupId(9_999_999);
            t.add(big, new byte[0]);
            List<TarEntry> out = read(t.build(), Limits.DEFAULT);
            assertThat(out).extracting(TarEntry::name).containsExactly("a/", "a/" + "n".repeat(300), "a/s", "big-ids");
            assertThat(out.get(1).size()).isEqualTo(5);
            assertThat(out.get(2).linkName()).isEqualTo("/" + "t".repeat(200));
            assertThat(out.get(3).uid()).isEqualTo(10_000_000);
            assertThat(out.get(3).gid()).isEqualTo(9_999_999);
        }
    }

    @Test
    void binaryXattrValuesSurvive() throws IOException {
        // Go's archive/tar (Docker) writes raw bytes into SCHILY.xattr records; Commons Compress would decode them as UTF-8.
        Map<String, byte[]> pax = new java.util.TreeMap<>(Map.of("SCHILY.xattr.security.capability", CAP));
        byte[] records = Pax.format(pax);
        TarArchiveEntry h = TestTars.entry("PaxHeaders.0/ping", TarConstants.LF_PAX_EXTENDED_HEADER_LC);
        byte[] tar = new TestTars().add(h, records).file("ping", "").build();
        List<TarEntry> out = read(tar, Limits.DEFAULT);
        assertThat(out).hasSize(1);
        assertThat(out.getFirst().xattrs().get("security.capability")).isEqualTo(CAP);
    }

    @Test
    void oversizedHeadersAndNamesAreRefusedBeforeReading() {
        byte[] hugePax = new TestTars().pax("f", "comment", "c".repeat(2 << 20)).build();
        assertThatThrownBy(() -> read(hugePax, Limits.DEFAULT)).isInstanceOf(LayerException.class)
                .hasMessageContaining("PAX extended header of").hasMessageContaining("exceeds the 1048576-byte limit");
        byte[] longPax = new TestTars().file("n/".repeat(2500) + "x", "").build();
        assertThatThrownBy(() -> read(longPax, Limits.DEFAULT)).isInstanceOf(LayerException.class)
                .hasMessageContaining("name longer than 4096 bytes");
        byte[] longGnu = new TestTars(TarArchiveOutputStream.LONGFILE_GNU).file("n/".repeat(2500) + "x", "").build();
        assertThatThrownBy(() -> read(longGnu, Limits.DEFAULT)).isInstanceOf(LayerException.class)
                .hasMessageContaining("GNU long name of 5002 bytes exceeds the 4097-byte limit");
        byte[] longLink = new TestTars().symlink("s", "t/".repeat(2100)).build();
        assertThatThrownBy(() -> read(longLink, Limits.DEFAULT)).hasMessageContaining("link name longer than 4096 bytes");
    }

    @Test
    void countsSizesAndCorruptionAreRefused() throws IOException {
        byte[] three = new TestTars().file("a", "1").file("b", "2").file("c", "3").build();
        assertThat(read(three, Limits.DEFAULT)).hasSize(3);
        assertThatThrownBy(() -> read(three, new Limits(4096, 1 << 20, 2, 1L << 40))).hasMessage("layer: more than 2 entries");
        byte[] big = new TestTars().file("a", "z".repeat(5000)).build();
        assertThatThrownBy(() -> read(big, new Limits(4096, 1 << 20, 10, 4096))).hasMessageContaining("exceeds the layer limit of 4096 bytes");
        byte[] corrupt = three.clone();
        corrupt[10] ^= 1;
        assertThatThrownBy(() -> read(corrupt, Limits.DEFAULT)).hasMessage("layer: tar header at byte 0: checksum mismatch (not a tar stream, or a corrupt one)");
        byte[] truncated = java.util.Arrays.copyOf(three, 700);
        assertThatThrownBy(() -> read(truncated, Limits.DEFAULT)).hasMessageStartingWith("layer: tar stream truncated at byte");
        assertThatThrownBy(() -> read("not a tar at all".repeat(64).getBytes(), Limits.DEFAULT)).hasMessageContaining("checksum mismatch");
    }

    @Test
    void unsupportedTypesAreRefusedByName() {
        TarArchiveEntry sparse = TestTars.entry("holes", (byte) 'S');
        byte[] s = new TestTars().add(sparse).build();
        assertThatThrownBy(() -> read(s, Limits.DEFAULT)).hasMessage("layer entry \"holes\": sparse files are not supported");
        TarArchiveEntry odd = TestTars.entry("odd", (byte) 'Z');
        byte[] z = new TestTars().add(odd).build();
        assertThatThrownBy(() -> read(z, Limits.DEFAULT)).hasMessage("layer entry \"odd\": unsupported tar entry type 'Z'");
    }

    @Test
    void digestCoversTrailingPadding() throws IOException {
        byte[] tar = java.util.Arrays.copyOf(new TestTars().file("a", "hello").build(), 10240); // GNU tar pads to 10 KiB
        Streams.HashingInput h = new Streams.HashingInput(new ByteArrayInputStream(tar));
        TarReader r = new TarReader(h, Limits.DEFAULT);
        TarEntry e = r.next();
        try (InputStream c = r.content()) {
            assertThat(new String(c.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("hello");
        }
        assertThat(e.name()).isEqualTo("a");
        assertThat(r.next()).isNull();
        r.drain();
        assertThat(h.count()).isEqualTo(10240);
        assertThat(h.digest()).isEqualTo(dev.berth.oci.image.Digest.sha256(tar));
    }

    @Test
    void paxRecordsParseAndFormat() throws Exception {
        // 98 bytes without the length, whose 2 digits would make 100, which has 3: the record is 101 bytes long.
        byte[] f = Pax.format(new java.util.LinkedHashMap<>(Map.of("path", "x".repeat(91).getBytes())));
        assertThat(new String(f, StandardCharsets.UTF_8)).startsWith("101 path=");
        assertThat(f).hasSize(101);
        assertThat(Pax.parse(f, f.length).get("path")).hasSize(91);
        assertThat(Pax.time("mtime", "1.5".getBytes())).isEqualTo(Instant.ofEpochSecond(1, 500_000_000));
        assertThat(Pax.time("mtime", "-1.5".getBytes())).isEqualTo(Instant.ofEpochSecond(-2, 500_000_000));
        assertThat(new String(Pax.formatTime(Instant.ofEpochSecond(-2, 500_000_000)))).isEqualTo("-1.5");
        assertThatThrownBy(() -> Pax.parse("9 a=b\n".getBytes(), 6)).hasMessageContaining("malformed PAX record");
        assertThatThrownBy(() -> Pax.parse("6 a=bc".getBytes(), 6)).hasMessageContaining("does not end with a newline");
    }
}
