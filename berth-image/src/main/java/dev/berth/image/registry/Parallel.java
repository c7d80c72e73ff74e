package dev.berth.image.registry;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/** Runs blob transfers on virtual threads, at most N at once; the first failure cancels the rest and is thrown. */
final class Parallel {
    interface Task {
        void run() throws IOException;
    }

    private Parallel() {}

    static void run(List<Task> tasks, int max) throws IOException {
        if (tasks.isEmpty()) return;
        Semaphore slots = new Semaphore(max);
        Throwable failure = null;
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            ExecutorCompletionService<Void> done = new ExecutorCompletionService<>(ex);
            List<Future<Void>> futures = new ArrayList<>();
            for (Task t : tasks) {
                futures.add(done.submit(() -> {
                    slots.acquire();
                    try {
                        t.run();
                        return null;
                    } finally {
                        slots.release();
                    }
                }));
            }
            for (int i = 0; i < futures.size() && failure == null; i++) {
                try {
                    done.take().get();
                } catch (ExecutionException e) {
                    failure = e.getCause();
                } catch (CancellationException ignored) {
                    // cancelled after another task failed
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure = new InterruptedIOException("interrupted");
                }
            }
            if (failure != null) for (Future<Void> f : futures) f.cancel(true);
        }
        switch (failure) {
            case null -> { }
            case IOException e -> throw e;
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            default -> throw new IOException(failure.getMessage(), failure);
        }
    }
}
