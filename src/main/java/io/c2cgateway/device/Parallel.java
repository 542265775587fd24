package io.c2cgateway.device;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Runs a claimed batch at once, one thread per item, and waits for all: each item holds a lease
 * that only lasts about one upstream call, so a batch must not be worked through one after another.
 */
final class Parallel {

	private Parallel() {
	}

	static <T> void run(List<T> items, String name, Consumer<T> work) {
		if (items.isEmpty()) {
			return;
		}
		if (items.size() == 1) {
			work.accept(items.get(0));
			return;
		}
		AtomicInteger counter = new AtomicInteger();
		ExecutorService pool = Executors.newFixedThreadPool(items.size(), (runnable) -> {
			Thread thread = new Thread(runnable, name + "-" + counter.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		});
		try {
			List<Future<?>> futures = new ArrayList<>();
			for (T item : items) {
				futures.add(pool.submit(() -> work.accept(item)));
			}
			for (Future<?> future : futures) {
				try {
					future.get();
				}
				catch (ExecutionException ex) {
					// each item handles its own failures; nothing is left to do here
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			pool.shutdown();
		}
	}

}
