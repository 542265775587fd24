package io.c2cgateway.device;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;

/**
 * Runs keep-alive and the revocation retry in the background, each on its own period. Disabled in
 * tests, which drive both by hand. On shutdown it claims nothing more and lets the batch in hand
 * finish rather than interrupting it: each refresh is bounded by the upstream timeout, and an
 * interrupted one would leave its outcome unknown. What it could not finish is not lost: its
 * leases run out and another replica takes over.
 */
class CustodyWorker implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(CustodyWorker.class);

	private static final Duration TICK = Duration.ofMillis(250);

	private final KeepAlive keepAlive;

	private final Revocations revocations;

	private final TokenProperties properties;

	private final Object monitor = new Object();

	private volatile boolean running;

	private Thread thread;

	CustodyWorker(KeepAlive keepAlive, Revocations revocations, TokenProperties properties) {
		this.keepAlive = keepAlive;
		this.revocations = revocations;
		this.properties = properties;
	}

	@Override
	public void start() {
		if (this.running || (!this.properties.keepAliveEnabled() && !this.properties.revocationRetryEnabled())) {
			return;
		}
		this.running = true;
		this.thread = new Thread(this::loop, "custody-worker");
		this.thread.setDaemon(true);
		this.thread.start();
	}

	@Override
	public void stop() {
		this.running = false;
		synchronized (this.monitor) {
			this.monitor.notifyAll();
		}
		if (this.thread != null) {
			try {
				this.thread.join(TimeUnit.SECONDS.toMillis(15));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	private void loop() {
		long nextKeepAlive = System.nanoTime();
		long nextRevocation = System.nanoTime();
		while (this.running) {
			long now = System.nanoTime();
			if (this.properties.revocationRetryEnabled() && now - nextRevocation >= 0) {
				safely("revocation retry", () -> this.revocations.runOnce(this::isRunning));
				nextRevocation = System.nanoTime() + this.properties.revocationRetryEvery().toNanos();
			}
			if (this.running && this.properties.keepAliveEnabled() && now - nextKeepAlive >= 0) {
				safely("keep-alive", () -> this.keepAlive.runOnce(this::isRunning));
				nextKeepAlive = System.nanoTime() + this.properties.keepAliveEvery().toNanos();
			}
			synchronized (this.monitor) {
				if (this.running) {
					try {
						this.monitor.wait(TICK.toMillis());
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
						return;
					}
				}
			}
		}
	}

	private static void safely(String what, Runnable round) {
		try {
			round.run();
		}
		catch (RuntimeException ex) {
			// A failed round (database down, say) must not end the worker; the next period retries.
			log.warn("A {} round failed: {}", what, ex.getClass().getSimpleName());
			log.debug("Custody round failure", ex);
		}
	}

}
