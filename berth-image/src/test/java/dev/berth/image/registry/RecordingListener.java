package dev.berth.image.registry;

import dev.berth.oci.image.Digest;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records progress events as strings: "started sha256:..", "resumed sha256:.. 1234", "exists ..", "mounted .. from", "done ..". */
final class RecordingListener implements ProgressListener {
    final List<String> events = new CopyOnWriteArrayList<>();

    @Override
    public void started(Digest digest, long size) {
        events.add("started " + digest + " " + size);
    }

    @Override
    public void progress(Digest digest, long bytes) {
        // too many to keep
    }

    @Override
    public void done(Digest digest) {
        events.add("done " + digest);
    }

    @Override
    public void resumed(Digest digest, long offset) {
        events.add("resumed " + digest + " " + offset);
    }

    @Override
    public void exists(Digest digest, long size) {
        events.add("exists " + digest);
    }

    @Override
    public void mounted(Digest digest, String fromRepository) {
        events.add("mounted " + digest + " " + fromRepository);
    }

    List<String> starting(String prefix) {
        return events.stream().filter(e -> e.startsWith(prefix)).toList();
    }
}
