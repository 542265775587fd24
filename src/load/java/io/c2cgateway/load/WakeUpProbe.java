package io.c2cgateway.load;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * How late a thread of the load generator wakes from a 1 ms sleep while the load runs: the floor
 * under every latency the run reports. A request's latency is measured by threads of this JVM on
 * the same cores as the gateway and its database; when the machine is busy, or this JVM pauses,
 * they wake late, and that lateness is in each figure whatever the gateway did. Measured over the
 * measured window only (after the warm-up), so the two can be read side by side.
 */
final class WakeUpProbe {

	private static final long SLEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

	private final long startNanos;

	private final long endNanos;

	private final long[] lateness;

	private int count;

	private final Thread thread;

	/** The gateway's process when it is one, for the CPU it used in the window. */
	private final ProcessHandle gateway;

	private Duration gatewayCpuAtStart;

	private Duration gatewayCpuAtEnd;

	/** The gateway's histogram of its own request times, when this run can read it. */
	private final ServerSideLatency server;

	private Map<String, TreeMap<Double, Double>> serverAtStart;

	private Map<String, TreeMap<Double, Double>> serverAtEnd;

	private WakeUpProbe(long startNanos, long endNanos, int capacity, ProcessHandle gateway, ServerSideLatency server) {
		this.gateway = gateway;
		this.server = server;
		this.startNanos = startNanos;
		this.endNanos = endNanos;
		this.lateness = new long[capacity];
		this.thread = new Thread(this::run, "wake-up-probe");
		this.thread.setDaemon(true);
	}

	/** Measures from {@code delaySeconds} from now for {@code seconds}. */
	static WakeUpProbe start(int delaySeconds, int seconds, ProcessHandle gateway, ServerSideLatency server) {
		long now = System.nanoTime();
		WakeUpProbe probe = new WakeUpProbe(now + TimeUnit.SECONDS.toNanos(delaySeconds),
				now + TimeUnit.SECONDS.toNanos(delaySeconds + seconds), seconds * 1000 + 1000, gateway, server);
		probe.thread.start();
		return probe;
	}

	private void run() {
		while (true) {
			long before = System.nanoTime();
			if (before >= this.endNanos || this.count == this.lateness.length) {
				this.gatewayCpuAtEnd = gatewayCpu();
				this.serverAtEnd = (this.server != null) ? this.server.snapshot() : null;
				return;
			}
			LockSupport.parkNanos(SLEEP_NANOS);
			long after = System.nanoTime();
			if (before >= this.startNanos) {
				if (this.count == 0) {
					this.gatewayCpuAtStart = gatewayCpu();
					this.serverAtStart = (this.server != null) ? this.server.snapshot() : null;
				}
				this.lateness[this.count++] = after - before - SLEEP_NANOS;
			}
		}
	}

	/** The summary line; waits for the window to end. */
	String report() throws InterruptedException {
		this.thread.join();
		if (this.count == 0) {
			return "wake-up probe: no samples (the run ended before its measured window)";
		}
		long[] sorted = Arrays.copyOf(this.lateness, this.count);
		Arrays.sort(sorted);
		String line = String.format(
				"wake-up probe (a load-generator thread sleeping 1 ms at a time, measured window): %,d sleeps, late by p50 %.2f, p95 %.2f, p99 %.2f, p99.9 %.2f, max %.2f ms",
				sorted.length, millis(sorted, 0.50), millis(sorted, 0.95), millis(sorted, 0.99), millis(sorted, 0.999),
				sorted[sorted.length - 1] / 1e6);
		if (this.gatewayCpuAtStart != null && this.gatewayCpuAtEnd != null) {
			double seconds = (this.endNanos - this.startNanos) / 1e9;
			line += String.format("%ngateway process CPU in the measured window: %.2f cores",
					this.gatewayCpuAtEnd.minus(this.gatewayCpuAtStart).toNanos() / 1e9 / seconds);
		}
		if (this.serverAtStart != null && this.serverAtEnd != null) {
			for (String route : ServerSideLatency.report(this.serverAtStart, this.serverAtEnd)) {
				line += System.lineSeparator() + route;
			}
		}
		return line;
	}

	private Duration gatewayCpu() {
		return (this.gateway != null) ? this.gateway.info().totalCpuDuration().orElse(null) : null;
	}

	private static double millis(long[] sorted, double quantile) {
		return sorted[Math.min(sorted.length - 1, (int) Math.ceil(quantile * sorted.length) - 1)] / 1e6;
	}

}
