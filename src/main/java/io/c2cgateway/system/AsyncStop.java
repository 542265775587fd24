package io.c2cgateway.system;

import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

import org.springframework.core.task.SimpleAsyncTaskExecutor;

/**
 * How a lifecycle component stops without holding up the others of its phase: Spring waits for
 * the callbacks of one phase together, so each component does its waiting on a thread of its own.
 * That thread is not taken from an executor bean: by the time components stop, the context has
 * closed and Spring's pooled executors may no longer take work.
 */
public final class AsyncStop {

	private AsyncStop() {
	}

	/** Runs {@code work} on a daemon thread named after {@code name}, then {@code callback}, whatever happened. */
	public static void inBackground(String name, Work work, Runnable callback) {
		SimpleAsyncTaskExecutor stopping = new SimpleAsyncTaskExecutor(name + "-");
		stopping.setDaemon(true);
		stopping.execute(() -> {
			try {
				work.run();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			finally {
				callback.run();
			}
		});
	}

	/** A blocking {@code stop()} for a component whose {@code stop(Runnable)} returns at once. */
	public static void andWait(Consumer<Runnable> stop) {
		CountDownLatch stopped = new CountDownLatch(1);
		stop.accept(stopped::countDown);
		try {
			stopped.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** The waiting part of a stop. */
	@FunctionalInterface
	public interface Work {

		void run() throws InterruptedException;

	}

}
