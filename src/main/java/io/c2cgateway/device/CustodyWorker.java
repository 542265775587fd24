package io.c2cgateway.device;

import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;

import io.c2cgateway.system.AsyncStop;
import io.c2cgateway.system.ShutdownBudget;
import io.c2cgateway.system.ShutdownPhases;

/**
 * Runs keep-alive and the revocation retry in the background, each on its own period. Disabled in
 * tests, which drive both by hand. On shutdown it claims nothing more (from the moment the context
 * starts closing) and lets the work in hand finish rather than interrupting it: each refresh is
 * bounded by the upstream timeout, and an interrupted one would leave its outcome unknown. A
 * revocation job stops between its two upstream calls and is handed back, so a batch in hand costs
 * one upstream call, not two. It stops in the {@link ShutdownPhases#DRAIN} phase, alongside the web
 * server, and waits no longer than the shutdown budget's drain deadline. What it could not finish
 * by then is not lost: its leases run out and another replica takes over.
 */
class CustodyWorker implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(CustodyWorker.class);

	private static final Duration TICK = Duration.ofMillis(250);

	private final KeepAlive keepAlive;

	private final Revocations revocations;

	private final TokenProperties properties;

	private final ShutdownBudget shutdown;

	private final Object monitor = new Object();

	private volatile boolean running;

	private Thread thread;

	CustodyWorker(KeepAlive keepAlive, Revocations revocations, TokenProperties properties) {
		this(keepAlive, revocations, properties, ShutdownBudget.standalone());
	}

	CustodyWorker(KeepAlive keepAlive, Revocations revocations, TokenProperties properties, ShutdownBudget shutdown) {
		this.keepAlive = keepAlive;
		this.revocations = revocations;
		this.properties = properties;
		this.shutdown = shutdown;
	}

	@Override
	public synchronized void start() {
		if (this.running || (!this.properties.keepAliveEnabled() && !this.properties.revocationRetryEnabled())) {
			return;
		}
		this.running = true;
		this.thread = new Thread(this::loop, "custody-worker");
		this.thread.setDaemon(true);
		this.thread.start();
	}

	/** Stops alongside the web server's graceful shutdown, so that their waits overlap. */
	@Override
	public int getPhase() {
		return ShutdownPhases.DRAIN;
	}

	/** Claims nothing more; reports to {@code callback} once the work in hand is done, from a thread of its own. */
	@Override
	public synchronized void stop(Runnable callback) {
		this.running = false;
		synchronized (this.monitor) {
			this.monitor.notifyAll();
		}
		Thread worker = this.thread;
		this.thread = null;
		if (worker == null || !worker.isAlive()) {
			callback.run();
			return;
		}
		AsyncStop.inBackground("custody-worker-stop", () -> {
			worker.join(Math.max(1, ShutdownBudget.until(this.shutdown.drainDeadline()).toMillis()));
			if (worker.isAlive()) {
				log.warn("Custody worker still busy at the shutdown deadline; its leases run out and another "
						+ "replica takes over");
			}
		}, callback);
	}

	/** As {@link #stop(Runnable)}, returning once the worker has stopped. */
	@Override
	public void stop() {
		AsyncStop.andWait(this::stop);
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/** Whether to claim more work: not once the worker is stopping or the context is closing. */
	private boolean claiming() {
		return this.running && !this.shutdown.started();
	}

	private void loop() {
		long nextKeepAlive = System.nanoTime();
		long nextRevocation = System.nanoTime();
		while (this.running) {
			long now = System.nanoTime();
			if (this.properties.revocationRetryEnabled() && now - nextRevocation >= 0 && claiming()) {
				safely("revocation retry", () -> this.revocations.runOnce(this::claiming));
				nextRevocation = System.nanoTime() + this.properties.revocationRetryEvery().toNanos();
			}
			if (this.properties.keepAliveEnabled() && now - nextKeepAlive >= 0 && claiming()) {
				safely("keep-alive", () -> this.keepAlive.runOnce(this::claiming));
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
