package io.c2cgateway.support;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/** Races: the same call from several threads, released together, answers in caller order. */
public final class Concurrently {

	private Concurrently() {
	}

	/** Runs {@code call(0 … callers-1)} on as many threads, all waiting at one barrier first. */
	public static <T> List<T> atOnce(int callers, IntFunction<T> call) throws Exception {
		CyclicBarrier start = new CyclicBarrier(callers);
		ExecutorService pool = Executors.newFixedThreadPool(callers);
		try {
			List<Future<T>> answers = new ArrayList<>();
			for (int i = 0; i < callers; i++) {
				int caller = i;
				answers.add(pool.submit(() -> {
					start.await();
					return call.apply(caller);
				}));
			}
			List<T> results = new ArrayList<>();
			for (Future<T> answer : answers) {
				results.add(answer.get());
			}
			return results;
		}
		finally {
			pool.shutdownNow();
		}
	}

}
