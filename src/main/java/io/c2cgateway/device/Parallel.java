package io.c2cgateway.device;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Runs a claimed batch at once, one thread per item, and waits for all: each item holds a lease
 * that only lasts about one upstream call, so a batch must not be worked through one after another.
 * The threads come from {@link DeviceConfiguration#deviceCustodyExecutor}, which never makes an
 * item wait for a free thread.
 */
final class Parallel {

	private final Executor executor;

	Parallel(Executor executor) {
		this.executor = executor;
	}

	<T> void run(List<T> items, Consumer<T> work) {
		if (items.isEmpty()) {
			return;
		}
		if (items.size() == 1) {
			work.accept(items.get(0));
			return;
		}
		List<CompletableFuture<Void>> futures = new ArrayList<>(items.size());
		for (T item : items) {
			futures.add(CompletableFuture.runAsync(() -> work.accept(item), this.executor));
		}
		try {
			for (CompletableFuture<Void> future : futures) {
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
	}

}
